namespace Gateway.Identity;

/// <summary>Claim types of a signed-in principal. The user name is <see cref="System.Security.Claims.ClaimTypes.Name"/>.</summary>
internal static class GatewayClaimTypes
{
    public const string Email = "email";
    public const string DisplayName = "display_name";
    public const string Group = "group";

    /// <summary>The short handle of the session (a hash prefix, never the id).</summary>
    public const string SessionHandle = "sso_session_handle";

    /// <summary>The OpenID Connect provider a session came from; absent for the user directory.</summary>
    public const string Provider = "sso_provider";

    /// <summary>The provider's session id (<c>sid</c>) and subject (<c>sub</c>), for back-channel logout.</summary>
    public const string ProviderSessionId = "sso_provider_sid";

    public const string ProviderSubject = "sso_provider_sub";

    /// <summary>The <see cref="AccountStamp"/> a users-file session was issued under; absent for other sessions.</summary>
    public const string AccountStamp = "sso_account_stamp";

    /// <summary>The directory (<c>ldap</c>, <c>sql</c>) a session's account came from; absent for the users file.</summary>
    public const string Directory = "sso_directory";

    public const string AuthenticationType = "sso";
}
