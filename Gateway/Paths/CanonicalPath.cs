using System.Buffers;
using System.Text;

namespace Gateway.Paths;

/// <summary>
/// The one form of a request path that routing, policies and the backend all see (SPEC §7): percent-decoded once,
/// repeated slashes merged, <c>.</c> and <c>..</c> segments resolved. Spellings that backends are known to read in
/// another way than the gateway would are refused instead of guessed at: an encoded <c>/</c> or <c>\</c>, a
/// backslash, a <c>;</c> (path parameters: Tomcat and Spring drop them, others keep them), a percent-encoding that
/// decodes to another percent-encoding (double encoding), control characters and NUL, bytes that are not UTF-8
/// (overlong forms included), a segment ending in a dot or a space (Windows servers trim them), and <c>..</c> above
/// the root. The canonical path is then what is routed, authorised and forwarded, so no spelling can be authorised
/// by one route and served by another.
/// </summary>
internal static class CanonicalPath
{
    // Bytes a raw path may hold as they are; everything else must be percent-encoded (RFC 3986 pchar plus '/').
    private static readonly SearchValues<char> PlainPathChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@/%");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Why a path was refused: a short phrase for the 400 answer and the log.</summary>
    public enum Refusal
    {
        None,
        NotAPath,
        ForbiddenCharacter,
        EncodedSeparator,
        BadPercentEncoding,
        DoubleEncoding,
        ControlCharacter,
        NotUtf8,
        TrailingDotOrSpace,
        AboveRoot,
    }

    // The plain characters without '%': a path made only of these needs no decoding.
    private static readonly SearchValues<char> UnencodedPathChars = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@/");

    /// <summary>
    /// True for the usual request target that is canonical as sent (origin form; no escapes, no repeated slash, no
    /// segment starting or ending with a dot), so the request path needs no work and no allocation. Conservative:
    /// false only sends a target through <see cref="TryCanonicalize"/>.
    /// </summary>
    public static bool IsAlreadyCanonical(ReadOnlySpan<char> rawTarget)
    {
        if (rawTarget.IsEmpty || rawTarget[0] != '/')
        {
            return false;
        }
        var end = rawTarget.IndexOfAny('?', '#');
        var path = end < 0 ? rawTarget : rawTarget[..end];
        return !path.ContainsAnyExcept(UnencodedPathChars)
            && !path.Contains("//", StringComparison.Ordinal)
            && !path.Contains("/.", StringComparison.Ordinal)
            && !path.Contains("./", StringComparison.Ordinal)
            && path[^1] != '.';
    }

    /// <summary>
    /// Canonicalises the path of a request target as sent (origin form <c>/a/b?q</c>, or absolute form
    /// <c>http://host/a/b?q</c>). True with the canonical, decoded path; false with the reason it is refused.
    /// </summary>
    public static bool TryCanonicalize(string rawTarget, out string canonical, out Refusal refusal)
    {
        canonical = "";
        var path = PathOf(rawTarget);
        if (path is null)
        {
            refusal = Refusal.NotAPath;
            return false;
        }
        if (path.AsSpan().ContainsAnyExcept(PlainPathChars))
        {
            refusal = path.AsSpan().IndexOfAnyInRange('\0', ' ') >= 0 || path.Contains('\x7f')
                ? Refusal.ControlCharacter
                : Refusal.ForbiddenCharacter;
            return false;
        }
        if (!TryDecode(path, out var decoded, out refusal))
        {
            return false;
        }
        return TryResolveSegments(decoded, out canonical, out refusal);
    }

    /// <summary>The path of a request target, without its query; null when it has none (<c>*</c>, authority form).</summary>
    private static string? PathOf(string rawTarget)
    {
        var target = rawTarget;
        if (!target.StartsWith('/'))
        {
            // Absolute form (a request line naming the whole URL, as sent to proxies): scheme://authority/path.
            var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
            if (schemeEnd <= 0)
            {
                return null;
            }
            var pathStart = target.IndexOfAny(['/', '?', '#'], schemeEnd + 3);
            target = pathStart < 0 || target[pathStart] != '/' ? "/" + (pathStart < 0 ? "" : target[pathStart..]) : target[pathStart..];
        }
        var queryStart = target.IndexOfAny(['?', '#']);
        return queryStart < 0 ? target : target[..queryStart];
    }

    private static bool TryDecode(string path, out string decoded, out Refusal refusal)
    {
        decoded = path;
        refusal = Refusal.None;
        if (!path.Contains('%'))
        {
            return true;
        }
        var bytes = new byte[path.Length];
        var length = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c != '%')
            {
                bytes[length++] = (byte)c;
                continue;
            }
            if (i + 2 >= path.Length || !IsHex(path[i + 1]) || !IsHex(path[i + 2]))
            {
                refusal = Refusal.BadPercentEncoding;
                return false;
            }
            var b = (byte)(HexValue(path[i + 1]) * 16 + HexValue(path[i + 2]));
            i += 2;
            switch (b)
            {
                case (byte)'/' or (byte)'\\':
                    refusal = Refusal.EncodedSeparator;
                    return false;
                case (byte)';':
                    refusal = Refusal.ForbiddenCharacter;
                    return false;
                case < 0x20 or 0x7F:
                    refusal = Refusal.ControlCharacter;
                    return false;
                case (byte)'%' when i + 2 < path.Length && IsHex(path[i + 1]) && IsHex(path[i + 2]):
                    // "%2541" decodes to "%41": a server that decodes twice would read 'A' (or '/', '.', …).
                    refusal = Refusal.DoubleEncoding;
                    return false;
            }
            bytes[length++] = b;
        }
        try
        {
            // Strict: overlong forms (%C0%AF for '/'), lone surrogates and truncated sequences are not UTF-8.
            decoded = StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            refusal = Refusal.NotUtf8;
            return false;
        }
        // A decoded '%' followed by hex digits that were themselves encoded ("%25%34%31"): double encoding too.
        for (var i = decoded.IndexOf('%'); i >= 0; i = decoded.IndexOf('%', i + 1))
        {
            if (i + 2 < decoded.Length && IsHex(decoded[i + 1]) && IsHex(decoded[i + 2]))
            {
                refusal = Refusal.DoubleEncoding;
                return false;
            }
        }
        if (decoded.AsSpan().IndexOfAnyInRange('\u0080', '\u009f') >= 0)
        {
            refusal = Refusal.ControlCharacter;
            return false;
        }
        return true;
    }

    private static bool TryResolveSegments(string decoded, out string canonical, out Refusal refusal)
    {
        canonical = "";
        refusal = Refusal.None;
        var segments = new List<string>();
        var parts = decoded.Split('/');
        // The first part is the empty string before the leading '/'.
        for (var i = 1; i < parts.Length; i++)
        {
            var segment = parts[i];
            switch (segment)
            {
                case "":
                    continue;
                case ".":
                    continue;
                case "..":
                    if (segments.Count == 0)
                    {
                        refusal = Refusal.AboveRoot;
                        return false;
                    }
                    segments.RemoveAt(segments.Count - 1);
                    continue;
            }
            if (segment[^1] is '.' or ' ')
            {
                refusal = Refusal.TrailingDotOrSpace;
                return false;
            }
            segments.Add(segment);
        }
        // A path ending in '/', '/.' or '/..' names a directory: keep its trailing slash (RFC 3986 §5.2.4).
        var last = parts[^1];
        var trailingSlash = segments.Count > 0 && (last is "" or "." or "..");
        var builder = new StringBuilder(decoded.Length + 1);
        foreach (var segment in segments)
        {
            builder.Append('/').Append(segment);
        }
        if (trailingSlash || segments.Count == 0)
        {
            builder.Append('/');
        }
        canonical = builder.ToString();
        return true;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
