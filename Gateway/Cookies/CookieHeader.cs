using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Gateway.Cookies;

/// <summary>
/// Finds the gateway's cookies in a <c>Cookie</c> header at least wherever ASP.NET Core's own parser
/// (<c>Request.Cookies</c>) would: names in any letter case, and, to be safe across framework versions, with the more
/// lenient rules of the framework's older parser (<c>CookieHeaderParserShared</c>): pairs separated by <c>;</c> or
/// <c>,</c>, and after a pair that does not parse, another try one character further on, so a name is found right after
/// any character that is not part of a token (<c>"sso_session=…</c>, <c>x@sso_session=…</c>). A test compares both on
/// thousands of generated headers.
/// </summary>
internal static class CookieHeader
{

    // RFC 7230 tchar.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    // RFC 6265 cookie-octet, as the framework reads a value.
    private static readonly SearchValues<char> CookieValueChars =
        SearchValues.Create("!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>
    /// False only when no <c>Cookie</c> header holds <paramref name="name"/> anywhere, in any letter case: then no
    /// reading, however lenient, finds that cookie, and the framework would see the request as not signed in.
    /// </summary>
    public static bool MayHold(StringValues cookieHeaders, string name)
    {
        foreach (var header in cookieHeaders)
        {
            if (header is not null && header.Contains(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The value of the one cookie called <paramref name="name"/> (any letter case, as ASP.NET Core matches names) in a
    /// single <c>Cookie</c> header, without allocating. Only for the plainest header: <c>;</c>-separated parts, exactly
    /// one of them <c>name=value</c> with a base64url value, and no other part in which the lenient reading finds the
    /// name. Anything else is false: the caller then leaves the request to the framework's own cookie parsing.
    /// </summary>
    public static bool TryGetSingleValue(StringValues cookieHeaders, string name, out ReadOnlySpan<char> value)
    {
        value = default;
        if (cookieHeaders.Count != 1 || cookieHeaders[0] is not { } header)
        {
            return false;
        }
        var found = false;
        var text = header.AsSpan();
        foreach (var range in text.Split(';'))
        {
            var part = text[range].Trim(" \t");
            if (part.Length > name.Length
                && part[name.Length] == '='
                && part.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                && !found)
            {
                found = true;
                value = part[(name.Length + 1)..];
                if (value.IsEmpty || value.ContainsAnyExcept(IssuedFormTicketFormat.Base64UrlChars))
                {
                    return false;
                }
            }
            else if (part.Contains(name, StringComparison.OrdinalIgnoreCase) && ReadsName(part, name))
            {
                return false;
            }
        }
        return found;
    }

    /// <summary>
    /// Removes from <c>Cookie</c> header values every <c>;</c>-separated part in which the lenient reading finds a
    /// cookie that <paramref name="names"/> matches (the whole part goes, so nothing the framework could read as ours
    /// is left behind, whatever else the part holds). Returns false, allocating nothing, when there is none; else
    /// <paramref name="remaining"/> is the rest (null when nothing is left).
    /// </summary>
    public static bool TryRemove(StringValues cookieHeaders, GatewayCookieNames names, out string? remaining)
    {
        remaining = null;
        var found = false;
        foreach (var header in cookieHeaders)
        {
            if (header is not null && names.MayOccurIn(header) && HasPartToRemove(header, names))
            {
                found = true;
                break;
            }
        }
        if (!found)
        {
            return false;
        }
        // The usual request of a signed-in browser on a site whose apps set no cookies of their own: nothing is left.
        if (cookieHeaders is [{ } only] && !only.Contains(';'))
        {
            return true;
        }

        var kept = new StringBuilder();
        foreach (var header in cookieHeaders)
        {
            foreach (var part in (header ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (ReadsAny(part, names))
                {
                    continue;
                }
                if (kept.Length > 0)
                {
                    kept.Append("; ");
                }
                kept.Append(part);
            }
        }
        remaining = kept.Length == 0 ? null : kept.ToString();
        return true;
    }

    private static bool HasPartToRemove(string header, GatewayCookieNames names)
    {
        foreach (var range in header.AsSpan().Split(';'))
        {
            if (ReadsAny(header.AsSpan()[range], names))
            {
                return true;
            }
        }
        return false;
    }

    private static bool ReadsName(ReadOnlySpan<char> part, string name)
    {
        for (var index = 0; index < part.Length;)
        {
            if (!TryReadPair(part, ref index, out var pairName, out _))
            {
                index++;
            }
            else if (part[pairName].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when the lenient reading of <paramref name="part"/> finds a cookie name that <paramref name="names"/> matches.</summary>
    private static bool ReadsAny(ReadOnlySpan<char> part, GatewayCookieNames names)
    {
        for (var index = 0; index < part.Length;)
        {
            if (!TryReadPair(part, ref index, out var name, out _))
            {
                index++;
            }
            else if (names.Matches(part[name]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// One step of the lenient cookie parser from <paramref name="index"/>: skips whitespace and separators, reads
    /// <c>token=value</c> (value plain or quoted, possibly empty), then whitespace and separators. False when that does
    /// not parse (the caller then tries again one character further on). An empty <paramref name="name"/> means only
    /// separators were left.
    /// </summary>
    private static bool TryReadPair(ReadOnlySpan<char> text, ref int index, out Range name, out Range value)
    {
        name = default;
        value = default;
        var current = SkipWhitespaceAndSeparators(text, index, out _);
        if (current == text.Length)
        {
            index = current;
            return true;
        }
        var tokenLength = text[current..].IndexOfAnyExcept(TokenChars);
        if (tokenLength < 0)
        {
            tokenLength = text.Length - current;
        }
        if (tokenLength == 0)
        {
            return false;
        }
        name = current..(current + tokenLength);
        current += tokenLength;
        if (current >= text.Length || text[current] != '=')
        {
            return false;
        }
        current++;
        var valueStart = current;
        var quoted = current < text.Length && text[current] == '"';
        if (quoted)
        {
            current++;
        }
        var valueLength = text[current..].IndexOfAnyExcept(CookieValueChars);
        current = valueLength < 0 ? text.Length : current + valueLength;
        if (quoted)
        {
            if (current < text.Length && text[current] == '"')
            {
                current++;
            }
            else
            {
                // Missing final quote: an empty value (the framework then drops the pair).
                valueStart = current;
            }
        }
        value = valueStart..current;
        current = SkipWhitespaceAndSeparators(text, current, out var separatorFound);
        if (!separatorFound && current < text.Length)
        {
            return false;
        }
        index = current;
        return true;
    }

    private static int SkipWhitespaceAndSeparators(ReadOnlySpan<char> text, int index, out bool separatorFound)
    {
        separatorFound = false;
        var current = SkipWhitespace(text, index);
        while (current < text.Length && text[current] is ',' or ';')
        {
            separatorFound = true;
            current = SkipWhitespace(text, current + 1);
        }
        return current;
    }

    private static int SkipWhitespace(ReadOnlySpan<char> text, int index)
    {
        while (index < text.Length && text[index] is ' ' or '\t')
        {
            index++;
        }
        return index;
    }
}
