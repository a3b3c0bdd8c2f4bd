using System.Diagnostics.CodeAnalysis;
using System.Text;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>
/// Decides where the gateway may send a browser after sign-in or sign-out (SPEC §8): a local path with exactly
/// one leading slash, or an absolute http(s) URL without user-info on the cookie domain, one of its subdomains,
/// or an allowed return host. Everything else becomes <c>/</c>.
/// </summary>
/// <remarks>
/// The rule is "when in doubt, refuse": anything a browser might read differently from <see cref="Uri"/>
/// (backslashes, control characters and whitespace, which browsers strip or turn into slashes; non-ASCII or
/// percent-encoded host names, which IDNA maps to other characters; a trailing dot) is refused rather than
/// interpreted. A percent-encoded path such as <c>/%2F%2Fevil.test</c> is accepted: the browser requests that
/// path on our own host and never decodes it into a host name.
/// </remarks>
internal sealed class ReturnUrlValidator
{
    public const string Fallback = "/";
    public const int MaxLength = 4096;

    private readonly string? _cookieDomain;
    private readonly string[] _exactHosts;
    private readonly string[] _wildcardSuffixes;

    public ReturnUrlValidator(IOptions<SsoOptions> options)
    {
        var sso = options.Value;
        _cookieDomain = string.IsNullOrEmpty(sso.CookieDomain) ? null : sso.CookieDomain.TrimStart('.').ToLowerInvariant();
        var allowed = sso.AllowedReturnHosts.Select(h => h.Trim().ToLowerInvariant()).Where(h => h.Length > 0).ToArray();
        _exactHosts = allowed.Where(h => !h.StartsWith("*.", StringComparison.Ordinal)).ToArray();
        _wildcardSuffixes = allowed.Where(h => h.StartsWith("*.", StringComparison.Ordinal)).Select(h => h[1..]).ToArray();
    }

    /// <summary>Returns the safe form of <paramref name="returnUrl"/> when it is safe, else <see cref="Fallback"/>.</summary>
    /// <param name="requestHost">The host the request came to; without a cookie domain, that host is the only one accepted.</param>
    public string Validate(string? returnUrl, string? requestHost = null) =>
        TryValidate(returnUrl, requestHost, out var safe) ? safe : Fallback;

    public bool IsSafe(string? returnUrl, string? requestHost = null) => TryValidate(returnUrl, requestHost, out _);

    /// <summary>
    /// True when <paramref name="returnUrl"/> may be followed; <paramref name="safe"/> is then the same URL with
    /// non-ASCII characters of its path and query percent-encoded (a <c>Location</c> header is ASCII only).
    /// </summary>
    public bool TryValidate(string? returnUrl, string? requestHost, [NotNullWhen(true)] out string? safe)
    {
        safe = null;
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > MaxLength)
        {
            return false;
        }
        if (!HasOnlyUrlCharacters(returnUrl))
        {
            return false;
        }
        if (returnUrl[0] == '/')
        {
            if (returnUrl.Length > 1 && returnUrl[1] == '/')
            {
                return false;
            }
            safe = EscapeNonAscii(returnUrl);
            return true;
        }
        if (!IsAllowedAbsolute(returnUrl, requestHost))
        {
            return false;
        }
        safe = EscapeNonAscii(returnUrl);
        return true;
    }

    /// <summary>
    /// Browsers strip tabs and newlines inside URLs and treat backslashes as slashes, so those (and any other
    /// control or white-space character, and broken UTF-16) are refused outright rather than interpreted.
    /// </summary>
    private static bool HasOnlyUrlCharacters(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\' || char.IsLowSurrogate(c))
            {
                return false;
            }
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    private bool IsAllowedAbsolute(string returnUrl, string? requestHost)
    {
        var schemeEnd = returnUrl.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }
        var scheme = returnUrl[..schemeEnd];
        if (!scheme.Equals(Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase)
            && !scheme.Equals(Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // The authority as the browser will read it: up to the first '/', '?' or '#'. It must be plain ASCII
        // host[:port], with no user-info ('@'), no percent-escapes and no empty host (http:///evil.test).
        var authorityStart = schemeEnd + 3;
        var authorityEnd = returnUrl.IndexOfAny(['/', '?', '#'], authorityStart);
        var authority = authorityEnd < 0 ? returnUrl[authorityStart..] : returnUrl[authorityStart..authorityEnd];
        if (authority.Length == 0 || !authority.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']'))
        {
            return false;
        }
        if (!Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri)
            || uri.UserInfo.Length > 0
            || !uri.Host.Equals(HostOf(authority), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return IsAllowedHost(uri.Host.ToLowerInvariant(), requestHost);
    }

    private bool IsAllowedHost(string host, string? requestHost)
    {
        if (host.EndsWith('.'))
        {
            return false;
        }
        if (_cookieDomain is not null && (host == _cookieDomain || host.EndsWith("." + _cookieDomain, StringComparison.Ordinal)))
        {
            return true;
        }
        if (_cookieDomain is null && requestHost is not null && string.Equals(host, HostOf(requestHost), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (_exactHosts.Contains(host))
        {
            return true;
        }
        foreach (var suffix in _wildcardSuffixes)
        {
            // "*.partner.com" matches a.partner.com and a.b.partner.com, never partner.com or evilpartner.com.
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The host part of <c>host[:port]</c> (IPv6 literals keep their brackets).</summary>
    private static string HostOf(string authority)
    {
        if (authority.StartsWith('['))
        {
            var end = authority.IndexOf(']');
            return end > 0 ? authority[..(end + 1)] : authority;
        }
        var colon = authority.LastIndexOf(':');
        return colon > 0 ? authority[..colon] : authority;
    }

    private static string EscapeNonAscii(string url)
    {
        if (Ascii.IsValid(url))
        {
            return url;
        }
        var escaped = new StringBuilder(url.Length * 2);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < url.Length; i++)
        {
            if (char.IsAscii(url[i]))
            {
                escaped.Append(url[i]);
                continue;
            }
            var length = char.IsHighSurrogate(url[i]) ? 2 : 1;
            var written = Encoding.UTF8.GetBytes(url.AsSpan(i, length), utf8);
            foreach (var b in utf8[..written])
            {
                escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            i += length - 1;
        }
        return escaped.ToString();
    }
}
