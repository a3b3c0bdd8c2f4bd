using System.Security.Claims;

namespace Gateway.Identity;

internal static class UserPrincipal
{
    /// <summary>The principal a successful sign-in hands to the cookie handler (and so to the session store).</summary>
    public static ClaimsPrincipal Create(UserAccount user, string? sessionHandle = null) =>
        WithAccountStamp(Create(user.Username, user.Email, user.Name, user.Groups, sessionHandle), user.Stamp);

    /// <summary>Marks a principal as a users-file session issued under <paramref name="stamp"/> (see <see cref="AccountStamp"/>).</summary>
    public static ClaimsPrincipal WithAccountStamp(ClaimsPrincipal principal, string? stamp)
    {
        if (!string.IsNullOrEmpty(stamp))
        {
            ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(GatewayClaimTypes.AccountStamp, stamp));
        }
        return principal;
    }

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
    /// Marks <paramref name="principal"/> (one <see cref="Create(string,string,string,IReadOnlyList{string},string?)"/>
    /// built) as signed in at an OpenID Connect provider rather than from the user directory.
    /// </summary>
    /// <param name="providerSessionId">The hash of the provider's <c>sid</c> (see <c>SessionRecord.HashProviderSessionId</c>).</param>
    public static ClaimsPrincipal FromProvider(ClaimsPrincipal principal, string provider, string? providerSessionId, string? providerSubject)
    {
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(GatewayClaimTypes.Provider, provider));
        if (providerSessionId is not null)
        {
            identity.AddClaim(new Claim(GatewayClaimTypes.ProviderSessionId, providerSessionId));
        }
        if (providerSubject is not null)
        {
            identity.AddClaim(new Claim(GatewayClaimTypes.ProviderSubject, providerSubject));
        }
        return principal;
    }

    /// <summary>Marks <paramref name="principal"/> as signed in from a directory other than the users file (<c>ldap</c>, <c>sql</c>).</summary>
    public static ClaimsPrincipal FromDirectory(ClaimsPrincipal principal, string directory)
    {
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(GatewayClaimTypes.Directory, directory));
        return principal;
    }

    /// <summary>The directory other than the users file a principal's account came from, or null.</summary>
    public static string? DirectoryOf(ClaimsPrincipal principal) => principal.FindFirst(GatewayClaimTypes.Directory)?.Value;

    /// <summary>The provider a principal signed in at, or null for the user directory.</summary>
    public static string? ProviderOf(ClaimsPrincipal principal) => principal.FindFirst(GatewayClaimTypes.Provider)?.Value;

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
