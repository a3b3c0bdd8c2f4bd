using System.Security.Claims;

namespace Gateway.Identity;

/// <summary>
/// A signed-in principal's identity as the four header values backends receive (SPEC §7), each already encoded
/// (<see cref="IdentityHeaderValue.Encode"/>). Computed once per authenticated session, not per request.
/// </summary>
internal sealed record IdentityHeaderValues(string User, string Email, string Name, string Groups)
{
    /// <summary>What a request without a signed-in user sends where the four headers must be present (forward-auth).</summary>
    public static readonly IdentityHeaderValues None = new("", "", "", "");

    public static IdentityHeaderValues Of(ClaimsPrincipal user) => new(
        IdentityHeaderValue.Encode(user.Identity?.Name ?? ""),
        IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.Email)?.Value ?? ""),
        IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.DisplayName)?.Value ?? ""),
        IdentityHeaderValue.Encode(string.Join(',', user.FindAll(GatewayClaimTypes.Group).Select(g => g.Value))));
}
