namespace Gateway.Identity;

/// <summary>Claim types of a signed-in principal. The user name is <see cref="System.Security.Claims.ClaimTypes.Name"/>.</summary>
internal static class GatewayClaimTypes
{
    public const string Email = "email";
    public const string DisplayName = "display_name";
    public const string Group = "group";

    /// <summary>The short handle of the session (a hash prefix, never the id).</summary>
    public const string SessionHandle = "sso_session_handle";

    public const string AuthenticationType = "sso";
}
