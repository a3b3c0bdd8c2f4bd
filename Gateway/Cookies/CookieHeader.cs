using System.Text;
using Microsoft.Extensions.Primitives;

namespace Gateway.Cookies;

internal static class CookieHeader
{
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
