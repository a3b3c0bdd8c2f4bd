using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>
/// Decides where the gateway may send a browser after sign-in or sign-out (SPEC §8): a local path with exactly
/// one leading slash, or an absolute http(s) URL without user-info on the cookie domain, one of its subdomains,
/// or an allowed return host. Everything else becomes <c>/</c>.
/// </summary>
internal sealed class ReturnUrlValidator
{
    public const string Fallback = "/";
    private const int MaxLength = 4096;

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

    /// <summary>Returns <paramref name="returnUrl"/> when it is safe, else <see cref="Fallback"/>.</summary>
    /// <param name="requestHost">The host the request came to; without a cookie domain, that host is the only one accepted.</param>
    public string Validate(string? returnUrl, string? requestHost = null) =>
        IsSafe(returnUrl, requestHost) ? returnUrl! : Fallback;

    public bool IsSafe(string? returnUrl, string? requestHost = null)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > MaxLength)
        {
            return false;
        }
        foreach (var c in returnUrl)
        {
            // Browsers strip tabs and newlines inside URLs and treat backslashes as slashes: refuse them outright.
            if (char.IsControl(c) || c == '\\' || char.IsWhiteSpace(c))
            {
                return false;
            }
        }
        if (returnUrl[0] == '/')
        {
            return returnUrl.Length == 1 || returnUrl[1] != '/';
        }
        if (!Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !returnUrl.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase)
            || uri.UserInfo.Length > 0
            || returnUrl.Contains('@'))
        {
            return false;
        }
        return IsAllowedHost(uri.IdnHost.ToLowerInvariant(), requestHost);
    }

    private bool IsAllowedHost(string host, string? requestHost)
    {
        if (_cookieDomain is not null && (host == _cookieDomain || host.EndsWith("." + _cookieDomain, StringComparison.Ordinal)))
        {
            return true;
        }
        if (_cookieDomain is null && requestHost is not null && string.Equals(host, StripPort(requestHost), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (var exact in _exactHosts)
        {
            if (host == exact)
            {
                return true;
            }
        }
        foreach (var suffix in _wildcardSuffixes)
        {
            if (host.EndsWith(suffix, StringComparison.Ordinal) && host.Length > suffix.Length)
            {
                return true;
            }
        }
        return false;
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']');
            return end > 0 ? host[..(end + 1)] : host;
        }
        var colon = host.LastIndexOf(':');
        return colon > 0 ? host[..colon] : host;
    }
}
