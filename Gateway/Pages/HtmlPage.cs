using System.Net;
using Microsoft.AspNetCore.Antiforgery;

namespace Gateway.Pages;

/// <summary>
/// What every page the gateway renders itself shares (sign-in, sign-out, messages, "my sessions"): the document around
/// its body, the encoding of every value put into it, the antiforgery field, and the headers it is sent with.
/// </summary>
internal static class HtmlPage
{
    /// <summary>A whole document: <paramref name="style"/> is the page's own CSS, after the rules every page shares.</summary>
    public static string Document(string title, string style, string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Encode(title)}}</title>
        <style>
          body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; padding: 1rem; }
          h1 { font-size: 1.4rem; margin-top: 0; }
        {{style}}
        </style>
        </head>
        <body><main>
        {{body}}
        </main></body>
        </html>
        """;

    /// <summary>HTML-encodes a value for text or a quoted attribute.</summary>
    public static string Encode(string value) => WebUtility.HtmlEncode(value);

    /// <summary>The hidden field that carries the antiforgery request token of a form.</summary>
    public static string AntiforgeryField(AntiforgeryTokenSet tokens) =>
        $"""<input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken ?? "")}">""";

    /// <summary>Writes a page as the response, with the headers every gateway page carries.</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string html)
    {
        SetHeaders(context.Response.Headers);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html);
    }

    /// <summary>No caching, no sniffing, no framing, no scripts, no referrer.</summary>
    public static void SetHeaders(IHeaderDictionary headers)
    {
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
