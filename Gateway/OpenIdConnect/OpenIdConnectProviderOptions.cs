namespace Gateway.OpenIdConnect;

/// <summary>One <c>Sso:OpenIdConnect:{name}</c> entry: an OpenID Connect provider people may sign in at.</summary>
public sealed class OpenIdConnectProviderOptions
{
    public const string SectionName = "Sso:OpenIdConnect";

    /// <summary>The issuer URL; its discovery document is <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The client secret; absent for a public client (PKCE only).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in button says after "Sign in with". Default: the provider's name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Space-separated scopes; must include <c>openid</c>. Default <c>openid profile email</c>.</summary>
    public string Scopes { get; set; } = "openid profile email";

    /// <summary>The claim that becomes the user name. Default <c>preferred_username</c>, then <c>sub</c> when it is absent.</summary>
    public string? UserClaim { get; set; }

    public string EmailClaim { get; set; } = "email";

    public string NameClaim { get; set; } = "name";

    /// <summary>The claim holding the user's groups (a string or an array of strings). Default <c>groups</c>.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>When not empty, only members of one of these groups may sign in here.</summary>
    public List<string> AllowedGroups { get; set; } = [];

    /// <summary>Whether signing out also sends the browser to the provider's <c>end_session_endpoint</c>. Default false.</summary>
    public bool SignOutAtProvider { get; set; }

    /// <summary>Put before every user name from this provider, e.g. <c>kc:</c>. Default none.</summary>
    public string? UserPrefix { get; set; }

    public const string DefaultUserClaim = "preferred_username";

    internal string EffectiveUserClaim => string.IsNullOrEmpty(UserClaim) ? DefaultUserClaim : UserClaim;

    internal IReadOnlyList<string> ScopeList =>
        Scopes.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
