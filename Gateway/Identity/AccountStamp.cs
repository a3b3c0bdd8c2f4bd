using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Identity;

/// <summary>
/// What a session from the users file is bound to, like ASP.NET Core Identity's security stamp: the account's name
/// exactly as written in <c>users.json</c> and its password hash. A new hash (a password change, or a re-hash) or
/// another account under the same name (<c>jsmith</c> deleted and <c>JSmith</c> added in one edit) gives another
/// stamp, and the sessions issued under the old one end on every instance. The stamp is a truncated SHA-256 of the two,
/// so the session store never holds the hash itself.
/// </summary>
/// <remarks>
/// Sessions signed in against the users file carry a stamp (<see cref="GatewayClaimTypes.AccountStamp"/>, kept in the
/// session record) that is compared on every use; sessions from an SQL users table carry one of the row's name and
/// password hash, compared at each re-check (<see cref="DirectoryRecheck"/>); sessions from elsewhere (an OpenID
/// Connect provider) have none and are never checked here.
/// </remarks>
internal static class AccountStamp
{
    private const string Context = "SsoGateway account stamp v1";

    public static string Of(UserAccount user) => Of(user.Username, user.PasswordHash);

    /// <summary>The stamp of an account named <paramref name="username"/> (as the directory writes it) whose credential is <paramref name="credential"/>.</summary>
    public static string Of(string username, string credential) => Of(username, credential, 16);

    /// <summary>
    /// The stamp of an LDAP or SQL account: 64 bits (11 characters) rather than 128. Such a session's record also
    /// carries its directory and last re-check, and the 512-byte Redis budget per record is tight (README.md,
    /// Directories). It only has to change when the password does: 2^-64 that a change goes unseen.
    /// </summary>
    public static string OfDirectoryAccount(string username, string credential) => Of(username, credential, 8);

    private static string Of(string username, string credential, int bytes)
    {
        var input = Encoding.UTF8.GetBytes($"{Context}\n{username.Length}:{username}\n{credential}");
        return Base64Url.EncodeToString(SHA256.HashData(input).AsSpan(0, bytes));
    }

    /// <summary>True when two stamps are the same (compared in fixed time).</summary>
    public static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    /// <summary>True when the principal (a users-file session) was issued under the account's current stamp.</summary>
    public static bool Holds(ClaimsPrincipal principal, UserAccount user) =>
        principal.FindFirst(GatewayClaimTypes.AccountStamp)?.Value is { } stamp
        && Same(stamp, user.Stamp);
}
