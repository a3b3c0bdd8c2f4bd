namespace Gateway.Proxy;

/// <summary>
/// The incoming header names the gateway owns, in every spelling a backend might read as one of them. CGI-style
/// servers (PHP, WSGI, Rack) turn <c>X-Forwarded-User</c> and <c>X_Forwarded_User</c> into the same variable, and
/// some frameworks fold other punctuation the same way, so a name is compared after lower-casing it and turning
/// every character other than a letter or digit into <c>-</c> (oauth2-proxy's CVE-2025-64484).
/// </summary>
internal sealed class ReservedHeaderNames
{
    private const string ReservedPrefix = "x-sso-";

    // The headers YARP sets itself (it replaces the exact spellings; the others would pass next to its own).
    private static readonly string[] ForwardingHeaders = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-prefix"];

    private readonly HashSet<string> _identity;
    private readonly string _firstLetters;
    private readonly HashSet<string> _forwarding = new(ForwardingHeaders, StringComparer.Ordinal);

    public ReservedHeaderNames(IEnumerable<string> identityHeaders)
    {
        _identity = new HashSet<string>(identityHeaders.Select(Fold), StringComparer.Ordinal);
        _firstLetters = new string(_identity.Select(name => name[0]).Append('x').Distinct().ToArray());
    }

    /// <summary>
    /// True when an incoming header called <paramref name="name"/> must not reach a backend: it is spelled like an
    /// identity header or <c>X-Sso-*</c> (any spelling), or like a forwarding header YARP sets, but not exactly so.
    /// </summary>
    public bool MustRemove(string name)
    {
        if (name.Length == 0 || !_firstLetters.Contains(char.ToLowerInvariant(name[0])))
        {
            return false; // most headers (Accept, Cookie, Host, User-Agent …) without a string built
        }
        var folded = Fold(name);
        if (_identity.Contains(folded) || folded.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            return true;
        }
        return _forwarding.Contains(folded) && !string.Equals(folded, name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Lower case, every character other than an ASCII letter or digit turned into <c>-</c>.</summary>
    public static string Fold(string name) => string.Create(name.Length, name, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-';
        }
    });
}
