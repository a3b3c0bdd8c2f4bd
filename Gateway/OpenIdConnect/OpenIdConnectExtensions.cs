using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Login;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Gateway.Sessions;
using StackExchange.Redis;

namespace Gateway.OpenIdConnect;

/// <summary>
/// Sign-in at OpenID Connect providers (<c>Sso:OpenIdConnect:{name}</c>): one framework OpenID Connect handler per
/// provider, whose sign-in ends in the gateway's own session; RP-initiated logout; Back-Channel Logout.
/// Nothing is registered or mapped when no provider is configured.
/// </summary>
internal static class OpenIdConnectExtensions
{
    public static IServiceCollection AddOpenIdConnect(this IServiceCollection services, IConfiguration configuration, SsoOptions sso)
    {
        var providers = OpenIdConnectProviders.From(configuration, sso.PathPrefix);
        services.AddSingleton(providers);
        services.AddSingleton<IValidateOptions<SsoOptions>, OpenIdConnectOptionsValidator>();
        if (providers.All.Count == 0)
        {
            return services;
        }

        var authentication = services.AddAuthentication();
        foreach (var provider in providers.All)
        {
            services.AddSingleton(new ExternalProvider(provider.Name, provider.DisplayName, provider.LoginPath,
                provider.Settings.SignOutAtProvider ? provider.Scheme : null));
            authentication.AddOpenIdConnect(provider.Scheme, provider.DisplayName, _ => { });
            services.AddOptions<OpenIdConnectOptions>(provider.Scheme)
                .Configure<IServiceProvider>((options, serviceProvider) => Configure(options, provider, sso, serviceProvider));
        }
        services.AddSingleton<ProviderLogin>();
        services.AddSingleton<BackChannelLogout>();
        services.AddSingleton<ILogoutTokenReplayCache>(serviceProvider => serviceProvider.GetRequiredService<SessionStorage>().Redis is { } redis
            ? new RedisLogoutTokenReplayCache(redis, sso)
            : ActivatorUtilities.CreateInstance<InMemoryLogoutTokenReplayCache>(serviceProvider));
        return services;
    }

    private static void Configure(OpenIdConnectOptions options, OpenIdConnectProvider provider, SsoOptions sso, IServiceProvider services)
    {
        var settings = provider.Settings;
        options.Authority = settings.Authority;
        options.ClientId = settings.ClientId;
        options.ClientSecret = string.IsNullOrEmpty(settings.ClientSecret) ? null : settings.ClientSecret;
        options.RequireHttpsMetadata = settings.Authority?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ?? true;
        options.ResponseType = OpenIdConnectResponseType.Code;
        // A top-level GET back to the gateway: the correlation and nonce cookies are SameSite=Lax like the session
        // cookie, and a form_post (a cross-site POST) would not carry them.
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.UsePkce = true;
        options.Scope.Clear();
        foreach (var scope in settings.ScopeList)
        {
            options.Scope.Add(scope);
        }
        options.CallbackPath = provider.CallbackPath;
        options.SignedOutCallbackPath = provider.SignedOutPath;
        options.RemoteSignOutPath = provider.FrontChannelLogoutPath;
        options.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        options.SignOutScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        // No token is kept: the session holds the user's name, email, display name and groups only.
        options.SaveTokens = false;
        options.GetClaimsFromUserInfoEndpoint = true;
        options.MapInboundClaims = false;
        options.ClaimActions.MapUniqueJsonKey(settings.EffectiveUserClaim, settings.EffectiveUserClaim);
        options.ClaimActions.MapUniqueJsonKey(settings.EmailClaim, settings.EmailClaim);
        options.ClaimActions.MapUniqueJsonKey(settings.NameClaim, settings.NameClaim);
        options.ClaimActions.MapJsonKey(settings.GroupsClaim, settings.GroupsClaim);
        options.TokenValidationParameters.NameClaimType = settings.EffectiveUserClaim;
        options.BackchannelTimeout = TimeSpan.FromSeconds(10);
        options.RemoteAuthenticationTimeout = TimeSpan.FromMinutes(15);
        foreach (var cookie in new[] { options.CorrelationCookie, options.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = sso.CookieSecure ? CookieSecurePolicy.Always : CookieSecurePolicy.None;
            cookie.HttpOnly = true;
        }
        options.CorrelationCookie.Name = sso.CookieName + "_oidc_c.";
        options.NonceCookie.Name = sso.CookieName + "_oidc_n.";
        options.Events = ActivatorUtilities.CreateInstance<ProviderSignIn>(services, provider, sso).CreateEvents();
    }

    /// <summary>
    /// Maps the login and back-channel logout endpoints of every provider (the handler serves the callbacks), and 404
    /// for every other path under <c>{PathPrefix}/oidc/</c> (an unknown provider, a wrong method): the gateway's own
    /// paths never reach a backend.
    /// </summary>
    public static IEndpointRouteBuilder MapOpenIdConnect(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        endpoints.Map(pathPrefix + "/oidc/{**rest}", () => Results.NotFound()).AllowAnonymous();
        var providers = endpoints.ServiceProvider.GetRequiredService<OpenIdConnectProviders>();
        foreach (var provider in providers.All)
        {
            endpoints.MapGet(provider.LoginPath, (HttpContext context, ProviderLogin login) => login.StartAsync(context, provider))
                .AllowAnonymous();
            endpoints.MapPost(provider.BackChannelLogoutPath, (HttpContext context, BackChannelLogout logout) => logout.HandleAsync(context, provider))
                .AllowAnonymous()
                .DisableAntiforgery();
        }
        return endpoints;
    }
}
