namespace Gateway.OpenIdConnect;

/// <summary>One configured provider: its settings, its authentication scheme and its fixed paths.</summary>
internal sealed class OpenIdConnectProvider(string name, OpenIdConnectProviderOptions settings, string pathPrefix)
{
    public string Name { get; } = name;

    public OpenIdConnectProviderOptions Settings { get; } = settings;

    public string DisplayName => string.IsNullOrWhiteSpace(Settings.DisplayName) ? Name : Settings.DisplayName;

    /// <summary>The framework's OpenID Connect handler for this provider runs under this scheme.</summary>
    public string Scheme => "oidc-" + Name;

    public string LoginPath => $"{pathPrefix}/oidc/{Name}/login";

    public string CallbackPath => $"{pathPrefix}/oidc/{Name}/callback";

    public string SignedOutPath => $"{pathPrefix}/oidc/{Name}/signed-out";

    public string BackChannelLogoutPath => $"{pathPrefix}/oidc/{Name}/backchannel-logout";

    // Front-channel logout is not offered; the handler's path for it is moved under the prefix so it can never
    // take a backend's own /signout-oidc.
    public string FrontChannelLogoutPath => $"{pathPrefix}/oidc/{Name}/frontchannel-logout";
}

/// <summary>Every <c>Sso:OpenIdConnect:{name}</c> entry, read once at startup.</summary>
internal sealed class OpenIdConnectProviders(IReadOnlyList<OpenIdConnectProvider> all)
{
    public IReadOnlyList<OpenIdConnectProvider> All { get; } = all;

    public OpenIdConnectProvider? Find(string? name) =>
        name is null ? null : All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public static OpenIdConnectProviders From(IConfiguration configuration, string pathPrefix) =>
        new(configuration.GetSection(OpenIdConnectProviderOptions.SectionName).GetChildren()
            .Select(section => new OpenIdConnectProvider(
                section.Key, section.Get<OpenIdConnectProviderOptions>() ?? new OpenIdConnectProviderOptions(), pathPrefix))
            .ToArray());
}
