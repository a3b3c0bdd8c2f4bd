using Gateway.Configuration;

namespace Gateway.Cookies;

/// <summary>
/// The gateway's own cookies, matched the way the framework reads them: names in any letter case (ASP.NET Core's
/// request cookies are case-insensitive), and for the session cookie also the chunks the framework's chunking cookie
/// manager would join to it (<c>{name}C1</c>, <c>{name}C2</c>, …).
/// </summary>
internal sealed class GatewayCookieNames
{
    private readonly string _sessionCookie;
    private readonly string? _antiforgeryCookie;

    private GatewayCookieNames(string sessionCookie, string? antiforgeryCookie)
    {
        _sessionCookie = sessionCookie;
        _antiforgeryCookie = antiforgeryCookie;
    }

    /// <summary>The antiforgery cookie's name: the session cookie's name with this suffix.</summary>
    public const string AntiforgerySuffix = "_af";

    /// <summary>What never reaches a backend: the session cookie and the sign-in form's antiforgery cookie.</summary>
    public static GatewayCookieNames NotForBackends(SsoOptions options) =>
        new(options.CookieName, options.CookieName + AntiforgerySuffix);

    /// <summary>What a sign-in never sees: the session cookie (the antiforgery cookie is what the form is checked with).</summary>
    public static GatewayCookieNames SessionOnly(SsoOptions options) => new(options.CookieName, null);

    /// <summary>A cheap first check: false when no name can be in <paramref name="header"/>.</summary>
    public bool MayOccurIn(string header) => header.Contains(_sessionCookie, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when a cookie called <paramref name="name"/> is one of these (any letter case).</summary>
    public bool Matches(ReadOnlySpan<char> name)
    {
        if (name.Equals(_sessionCookie, StringComparison.OrdinalIgnoreCase)
            || (_antiforgeryCookie is not null && name.Equals(_antiforgeryCookie, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }
        // A chunk: the name, 'C' and a number.
        return name.Length > _sessionCookie.Length + 1
            && name.StartsWith(_sessionCookie, StringComparison.OrdinalIgnoreCase)
            && name[_sessionCookie.Length] is 'C' or 'c'
            && !name[(_sessionCookie.Length + 1)..].ContainsAnyExceptInRange('0', '9');
    }
}
