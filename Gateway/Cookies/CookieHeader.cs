using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Gateway.Cookies;

internal static class CookieHeader
{
    // What Data Protection's output (base64url) is made of.
    private static readonly SearchValues<char> Base64UrlChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>
    /// The value of the one cookie called <paramref name="name"/> (any letter case, as ASP.NET Core matches names) in a
    /// single <c>Cookie</c> header, without allocating. False when there is none, more than one, or a value that is not
    /// plain base64url: the caller then leaves the request to the framework's own cookie parsing.
    /// </summary>
    public static bool TryGetSingleValue(StringValues cookieHeaders, string name, out ReadOnlySpan<char> value)
    {
        value = default;
        if (cookieHeaders.Count != 1 || cookieHeaders[0] is not { } header)
        {
            return false;
        }
        var found = false;
        var rest = header.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf(';');
            var pair = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var equals = pair.IndexOf('=');
            if (equals < 0 || !pair[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (found)
            {
                return false;
            }
            found = true;
            value = pair[(equals + 1)..].Trim();
        }
        return found && !value.IsEmpty && !value.ContainsAnyExcept(Base64UrlChars);
    }

    /// <summary>
    /// Removes every pair named by <paramref name="namePrefix"/> (<c>name=</c>) from <c>Cookie</c> header values.
    /// Returns false, allocating nothing, when there is none; else <paramref name="remaining"/> is the rest
    /// (null when nothing is left).
    /// </summary>
    public static bool TryRemove(StringValues cookieHeaders, string namePrefix, out string? remaining)
    {
        remaining = null;
        var found = false;
        foreach (var header in cookieHeaders)
        {
            if (header is not null && header.Contains(namePrefix, StringComparison.Ordinal))
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
        if (cookieHeaders is [{ } only] && !only.Contains(';') && only.AsSpan().Trim().StartsWith(namePrefix, StringComparison.Ordinal))
        {
            return true;
        }

        var kept = new StringBuilder();
        foreach (var header in cookieHeaders)
        {
            foreach (var part in (header ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.StartsWith(namePrefix, StringComparison.Ordinal))
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
}
