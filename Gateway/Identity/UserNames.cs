using System.Text;

namespace Gateway.Identity;

/// <summary>
/// The one way usernames are compared, wherever they are: the user directory, the per-user session index (and the
/// admin API that reads it), the sign-in lockout counters and the policies that list users. Two names are the same
/// user exactly when their <see cref="Normalize"/> forms are equal (ordinal).
/// </summary>
/// <remarks>
/// Upper-casing then lower-casing (invariant) folds both kinds of pairs that the runtime's two case-insensitive
/// comparisons disagree on: the Kelvin sign <c>K</c> (U+212A) and the Ångström sign lower-case to <c>k</c> and
/// <c>å</c> but are not equal to them under <see cref="StringComparison.OrdinalIgnoreCase"/>, while the final sigma
/// <c>ς</c> and the micro sign <c>µ</c> are equal to <c>σ</c> and <c>μ</c> under it but lower-case differently. The
/// gateway runs with invariant globalization, so there is no Unicode compatibility normalisation: fullwidth letters or
/// ligatures are other names, consistently so everywhere.
/// </remarks>
internal static class UserNames
{
    public static string Normalize(string username)
    {
        if (Ascii.IsValid(username))
        {
            return username.AsSpan().ContainsAnyInRange('A', 'Z') ? username.ToLowerInvariant() : username;
        }
        return username.ToUpperInvariant().ToLowerInvariant();
    }

    public static bool AreSame(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);
}
