using System.Security.Claims;

namespace Gateway.Identity;

internal static class UserPrincipal
{
    /// <summary>The principal a successful sign-in hands to the cookie handler (and so to the session store).</summary>
    public static ClaimsPrincipal Create(UserAccount user, string? sessionHandle = null) =>
        Create(user.Username, user.Email, user.Name, user.Groups, sessionHandle);

    /// <summary>The one shape of a signed-in principal, whether built at sign-in or from a stored session.</summary>
    public static ClaimsPrincipal Create(string username, string email, string name, IReadOnlyList<string> groups, string? sessionHandle)
    {
        var claims = new List<Claim>(5 + groups.Count)
        {
            new(ClaimTypes.NameIdentifier, username),
            new(ClaimTypes.Name, username),
            new(GatewayClaimTypes.Email, email),
            new(GatewayClaimTypes.DisplayName, name),
        };
        if (sessionHandle is not null)
        {
            claims.Add(new Claim(GatewayClaimTypes.SessionHandle, sessionHandle));
        }
        foreach (var group in groups)
        {
            claims.Add(new Claim(GatewayClaimTypes.Group, group));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, GatewayClaimTypes.AuthenticationType, ClaimTypes.Name, GatewayClaimTypes.Group));
    }

    /// <summary>
    /// True when the session's principal still says what the directory says of the user (name as written, email,
    /// display name, groups in order). A few string comparisons: cheap enough for every request.
    /// </summary>
    public static bool Matches(ClaimsPrincipal principal, UserAccount user)
    {
        if (principal.Identity?.Name != user.Username
            || principal.FindFirst(GatewayClaimTypes.Email)?.Value != user.Email
            || principal.FindFirst(GatewayClaimTypes.DisplayName)?.Value != user.Name)
        {
            return false;
        }
        var index = 0;
        foreach (var group in principal.FindAll(GatewayClaimTypes.Group))
        {
            if (index >= user.Groups.Length || group.Value != user.Groups[index++])
            {
                return false;
            }
        }
        return index == user.Groups.Length;
    }
}
