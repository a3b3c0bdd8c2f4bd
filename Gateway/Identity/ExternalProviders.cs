namespace Gateway.Identity;

/// <summary>
/// A sign-in provider other than the user directory (an OpenID Connect provider): what the sign-in page links to and
/// what session checks and sign-out need to know of it.
/// </summary>
/// <param name="Name">The configuration name (<c>Sso:OpenIdConnect:{name}</c>), also in its paths.</param>
/// <param name="DisplayName">What the sign-in button says after "Sign in with".</param>
/// <param name="LoginPath">The path that starts a sign-in there (takes <c>returnUrl</c>).</param>
/// <param name="SignOutScheme">The authentication scheme that ends the session at the provider too, or null.</param>
internal sealed record ExternalProvider(string Name, string DisplayName, string LoginPath, string? SignOutScheme);

/// <summary>The configured <see cref="ExternalProvider"/>s, in configuration order; none by default.</summary>
internal sealed class ExternalProviders(IEnumerable<ExternalProvider> providers)
{
    public IReadOnlyList<ExternalProvider> All { get; } = providers.ToArray();

    public ExternalProvider? Find(string? name) =>
        name is null ? null : All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
