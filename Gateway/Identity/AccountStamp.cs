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
/// Only sessions signed in against the users file carry a stamp (<see cref="GatewayClaimTypes.AccountStamp"/>, kept in
/// the session record); sessions from elsewhere (an OpenID Connect provider) have none and are never checked here.
/// </remarks>
internal static class AccountStamp
{
    private const string Context = "SsoGateway account stamp v1";

    public static string Of(UserAccount user)
    {
        var input = Encoding.UTF8.GetBytes($"{Context}\n{user.Username.Length}:{user.Username}\n{user.PasswordHash}");
        return Base64Url.EncodeToString(SHA256.HashData(input).AsSpan(0, 16));
    }

    /// <summary>True when the principal (a users-file session) was issued under the account's current stamp.</summary>
    public static bool Holds(ClaimsPrincipal principal, UserAccount user) =>
        principal.FindFirst(GatewayClaimTypes.AccountStamp)?.Value is { } stamp
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stamp), Encoding.ASCII.GetBytes(user.Stamp));
}
