using System.Security.Claims;

namespace Gateway.Identity;

internal static class UserPrincipal
{
    /// <summary>The principal a successful sign-in hands to the cookie handler (and so to the session store).</summary>
    public static ClaimsPrincipal Create(UserAccount user)
    {
        var claims = new List<Claim>(4 + user.Groups.Length)
        {
            new(ClaimTypes.NameIdentifier, user.Username),
            new(ClaimTypes.Name, user.Username),
            new(GatewayClaimTypes.Email, user.Email),
            new(GatewayClaimTypes.DisplayName, user.Name),
        };
        claims.AddRange(user.Groups.Select(g => new Claim(GatewayClaimTypes.Group, g)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, GatewayClaimTypes.AuthenticationType, ClaimTypes.Name, GatewayClaimTypes.Group));
    }
}
