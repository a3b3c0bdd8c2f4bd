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

    private readonly string[] _identity;
    private readonly string _firstLetters;

    public ReservedHeaderNames(IEnumerable<string> identityHeaders)
    {
        _identity = identityHeaders.Select(Fold).Distinct(StringComparer.Ordinal).ToArray();
        _firstLetters = new string(_identity.Select(name => name[0]).Append('x').Distinct().ToArray());
    }

    /// <summary>
    /// True when an incoming header called <paramref name="name"/> must not reach a backend: it is spelled like an
    /// identity header or <c>X-Sso-*</c> (any spelling), or like a forwarding header YARP sets, but not exactly so.
    /// Runs for every header of every forwarded request, so it compares in place and allocates nothing.
    /// </summary>
    public bool MustRemove(string name)
    {
        if (name.Length == 0 || !_firstLetters.Contains(char.ToLowerInvariant(name[0])))
        {
            return false; // most headers (Accept, Cookie, Host, User-Agent …) after one character
        }
        foreach (var identity in _identity)
        {
            if (FoldsTo(name, identity))
            {
                return true;
            }
        }
        if (name.Length >= ReservedPrefix.Length && FoldsTo(name.AsSpan(0, ReservedPrefix.Length), ReservedPrefix))
        {
            return true;
        }
        foreach (var forwarding in ForwardingHeaders)
        {
            if (FoldsTo(name, forwarding))
            {
                return !name.Equals(forwarding, StringComparison.OrdinalIgnoreCase);
            }
        }
        return false;
    }

    /// <summary>True when <see cref="Fold"/> of <paramref name="name"/> is <paramref name="folded"/>, without building it.</summary>
    private static bool FoldsTo(ReadOnlySpan<char> name, string folded)
    {
        if (name.Length != folded.Length)
        {
            return false;
        }
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if ((char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-') != folded[i])
            {
                return false;
            }
        }
        return true;
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
