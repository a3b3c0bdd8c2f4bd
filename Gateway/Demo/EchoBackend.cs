using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Demo;

/// <summary>
/// A module backend with no session code at all: it shows what the gateway forwarded to it. An HTML page for
/// people, JSON (<c>{"backend","method","path","headers"}</c>) for anything that does not ask for HTML.
/// </summary>
public sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoBackend(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The address it listens on, e.g. <c>http://127.0.0.1:5101</c>.</summary>
    public string Url => _app.Urls.First();

    /// <param name="url">Where to listen; port 0 picks a free one.</param>
    public static async Task<EchoBackend> StartAsync(string name, string url, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.Run(context => RespondAsync(context, name));
        await app.StartAsync(cancellationToken);
        return new EchoBackend(app, name);
    }

    private static Task RespondAsync(HttpContext context, string name)
    {
        var request = context.Request;
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (!request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["backend"] = name,
                ["method"] = request.Method,
                ["path"] = request.Path.Value + request.QueryString.Value,
                ["headers"] = headers,
            }));
        }

        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>").Append(Encode(name)).Append("</title>");
        html.Append("<style>body{font-family:system-ui,sans-serif;margin:2rem}td{padding:.2rem .6rem;border-bottom:1px solid #ddd;font-family:monospace}</style></head><body>");
        html.Append("<h1>Demo backend <em>").Append(Encode(name)).Append("</em></h1>");
        var user = headers.GetValueOrDefault("X-Forwarded-User");
        html.Append("<p id=\"user\">").Append(user is null ? "Not signed in (public page)." : "Signed in as <strong>" + Encode(Uri.UnescapeDataString(user)) + "</strong>").Append("</p>");
        html.Append("<p>This backend has no session code. The gateway sent these headers:</p><table>");
        foreach (var (key, value) in headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            html.Append("<tr><td>").Append(Encode(key)).Append("</td><td data-header=\"").Append(Encode(key.ToLowerInvariant())).Append("\">").Append(Encode(value)).Append("</td></tr>");
        }
        html.Append("</table><p><a href=\"/_sso/logout\">Sign out</a></p></body></html>");
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html.ToString());
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
