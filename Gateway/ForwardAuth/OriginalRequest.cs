using Microsoft.Extensions.Primitives;

namespace Gateway.ForwardAuth;

/// <summary>
/// The request a browser sent to another proxy, as that proxy describes it to <c>{PathPrefix}/auth</c>: Traefik and
/// Caddy send <c>X-Forwarded-Method</c>, <c>-Proto</c>, <c>-Host</c> and <c>-Uri</c>; nginx sends what its
/// configuration names, by convention <c>X-Original-URL</c> (absolute) or <c>X-Original-URI</c> (path and query,
/// with <c>Host</c> and <c>X-Forwarded-Proto</c>). Read only from trusted proxies (see <see cref="TrustedProxyNetworks"/>).
/// </summary>
/// <param name="PathAndQuery">Null when the proxy named no URL (the return URL is then <c>/</c>).</param>
internal sealed record OriginalRequest(string Method, string Scheme, string Host, string? PathAndQuery)
{
    public const string ForwardedMethod = "X-Forwarded-Method";
    public const string ForwardedProto = "X-Forwarded-Proto";
    public const string ForwardedHost = "X-Forwarded-Host";
    public const string ForwardedUri = "X-Forwarded-Uri";
    public const string OriginalUrl = "X-Original-URL";
    public const string OriginalUri = "X-Original-URI";

    /// <summary>Every header this reads: from an untrusted sender their presence is worth a log line.</summary>
    public static readonly string[] HeaderNames = [ForwardedMethod, ForwardedProto, ForwardedHost, ForwardedUri, OriginalUrl, OriginalUri];

    private const int MaxUrlLength = 8 * 1024;

    /// <summary>The absolute URL, when the proxy named one.</summary>
    public string? Url => PathAndQuery is null ? null : $"{Scheme}://{Host}{PathAndQuery}";

    /// <summary>The request itself, ignoring every forwarding header (an untrusted sender).</summary>
    public static OriginalRequest Itself(HttpRequest request) => new(request.Method, request.Scheme, request.Host.Value ?? "", null);

    /// <summary>
    /// Reads the original request from a trusted proxy's headers. Fails (with a reason for the log) on anything a
    /// proxy would not send: several values of one header, both header families at once, a scheme other than http(s),
    /// a host that is not a plain <c>host[:port]</c>, a URI that is not a path, control characters.
    /// </summary>
    public static bool TryRead(HttpRequest request, out OriginalRequest original, out string? refusal)
    {
        original = Itself(request);
        var headers = request.Headers;
        if (!TrySingle(headers, OriginalUrl, out var url, out refusal)
            || !TrySingle(headers, OriginalUri, out var originalUri, out refusal)
            || !TrySingle(headers, ForwardedUri, out var forwardedUri, out refusal)
            || !TrySingle(headers, ForwardedMethod, out var method, out refusal)
            || !TrySingle(headers, ForwardedProto, out var proto, out refusal)
            || !TrySingle(headers, ForwardedHost, out var host, out refusal))
        {
            return false;
        }
        if (forwardedUri is not null && (url is not null || originalUri is not null))
        {
            // One family is the proxy's own; the other came from the client through it. Which one is which cannot be
            // told from here, so neither is believed.
            refusal = $"both {ForwardedUri} and {OriginalUrl}/{OriginalUri}";
            return false;
        }
        method ??= request.Method;
        if (method.Length is 0 or > 16 || !method.All(char.IsAsciiLetterUpper))
        {
            refusal = $"{ForwardedMethod} is not a method";
            return false;
        }
        string scheme, authority, pathAndQuery;
        if (url is not null)
        {
            if (!TrySplitAbsolute(url, out scheme, out authority, out pathAndQuery))
            {
                refusal = $"{OriginalUrl} is not an absolute http(s) URL";
                return false;
            }
        }
        else
        {
            scheme = proto ?? request.Scheme;
            authority = host ?? request.Host.Value ?? "";
            pathAndQuery = forwardedUri ?? originalUri!;
            if (pathAndQuery is null)
            {
                original = new OriginalRequest(method, scheme.ToLowerInvariant(), authority, null);
                return IsHttpScheme(scheme) && IsAuthority(authority) || Refuse(out refusal, "no usable scheme or host");
            }
            if (!IsHttpScheme(scheme))
            {
                refusal = $"{ForwardedProto} is not http or https";
                return false;
            }
        }
        if (!IsAuthority(authority))
        {
            refusal = "the host is not a plain host[:port]";
            return false;
        }
        if (pathAndQuery.Length == 0 || pathAndQuery[0] != '/' || pathAndQuery.Length > MaxUrlLength
            || pathAndQuery.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            // A request target has no white space: "/a, https://evil.test/" is two header lines joined, not one URL.
            refusal = "the URI is not a path";
            return false;
        }
        original = new OriginalRequest(method, scheme.ToLowerInvariant(), authority, pathAndQuery);
        return true;
    }

    private static bool Refuse(out string? refusal, string reason)
    {
        refusal = reason;
        return false;
    }

    private static bool TrySingle(IHeaderDictionary headers, string name, out string? value, out string? refusal)
    {
        refusal = null;
        value = null;
        if (!headers.TryGetValue(name, out StringValues values))
        {
            return true;
        }
        // Several lines, or a comma list where a single value is meant (proxies in a row append to X-Forwarded-*):
        // which entry is whose cannot be told. A URL may hold commas; only several lines of it are refused.
        var single = values.Count == 1 ? values[0] : null;
        var isUrl = name is OriginalUrl or OriginalUri or ForwardedUri;
        if (single is null || (!isUrl && single.Contains(',')))
        {
            refusal = $"several values of {name}";
            return false;
        }
        value = single.Trim();
        return true;
    }

    private static bool IsHttpScheme(string scheme) =>
        scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase);

    /// <summary>A plain <c>host[:port]</c>: letters, digits, dots, hyphens, an IPv6 literal in brackets, a numeric port.</summary>
    private static bool IsAuthority(string authority)
    {
        if (authority.Length is 0 or > 255)
        {
            return false;
        }
        var host = authority;
        var port = "";
        if (authority[0] == '[')
        {
            var end = authority.IndexOf(']');
            if (end < 2 || !authority[1..end].All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                return false;
            }
            host = authority[..(end + 1)];
            port = authority[(end + 1)..];
            if (port.Length > 0 && port[0] != ':')
            {
                return false;
            }
            port = port.Length > 0 ? port[1..] : port;
        }
        else
        {
            var colon = authority.IndexOf(':');
            if (colon >= 0)
            {
                host = authority[..colon];
                port = authority[(colon + 1)..];
                if (port.Length == 0)
                {
                    return false;
                }
            }
            if (host.Length == 0 || host[0] is '.' or '-' || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                return false;
            }
        }
        return port.Length == 0 || (port.Length <= 5 && port.All(char.IsAsciiDigit) && int.Parse(port) is > 0 and <= 65535);
    }

    private static bool TrySplitAbsolute(string url, out string scheme, out string authority, out string pathAndQuery)
    {
        scheme = authority = pathAndQuery = "";
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0 || !IsHttpScheme(url[..schemeEnd]))
        {
            return false;
        }
        scheme = url[..schemeEnd];
        var rest = url[(schemeEnd + 3)..];
        var end = rest.IndexOfAny(['/', '?', '#']);
        authority = end < 0 ? rest : rest[..end];
        var tail = end < 0 ? "" : rest[end..];
        if (tail.StartsWith('#'))
        {
            return false;
        }
        pathAndQuery = tail.Length == 0 ? "/" : tail[0] == '?' ? "/" + tail : tail;
        return true;
    }
}
