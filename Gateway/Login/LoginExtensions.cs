using Gateway.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Gateway.Sessions;

namespace Gateway.Login;

internal static class LoginExtensions
{
    /// <summary>The password sign-in and sign-out: handlers, lockout, the bound on password checks, antiforgery.</summary>
    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.AddSingleton<ReturnUrlValidator>();
        services.TryAddSingleton(TimeProvider.System);
        // Attempt counters live where the sessions live: in Redis when a multiplexer is registered (Sso:Redis).
        services.AddSingleton<ISignInAttemptStore>(provider => provider.GetRequiredService<SessionStorage>().Redis is { } redis
            ? ActivatorUtilities.CreateInstance<RedisSignInAttemptStore>(provider, redis)
            : ActivatorUtilities.CreateInstance<InMemorySignInAttemptStore>(provider));
        services.AddSingleton<SignInLockout>();
        services.AddSingleton<PasswordCheckQueue>();
        services.AddSingleton<LoginHandlers>();
        services.AddAntiforgery();
        services.AddOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>()
            .Configure<IOptions<SsoOptions>>((antiforgery, sso) =>
            {
                antiforgery.Cookie.Name = sso.Value.CookieName + Cookies.GatewayCookieNames.AntiforgerySuffix;
                antiforgery.Cookie.HttpOnly = true;
                antiforgery.Cookie.SameSite = SameSiteMode.Strict;
                // Not Always: antiforgery then throws on any request that is not HTTPS to the gateway itself, which
                // made the sign-in page a 500 behind a TLS-terminating proxy with the default Sso:CookieSecure=true.
                antiforgery.Cookie.SecurePolicy = sso.Value.CookieSecure ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.None;
                antiforgery.FormFieldName = "__antiforgery";
            });
        return services;
    }

    /// <summary>The sign-in's middleware, before authentication: see <see cref="SignInCookieDiscard"/>.</summary>
    public static IApplicationBuilder UseLogin(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<SsoOptions>>().Value;
        return app.UseMiddleware<SignInCookieDiscard>(options.PathPrefix, Cookies.GatewayCookieNames.SessionOnly(options));
    }

    /// <summary>Maps <c>login</c>, <c>logout</c> and <c>userinfo</c> under the prefix, on every host.</summary>
    public static IEndpointRouteBuilder MapLogin(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        var group = endpoints.MapGroup(pathPrefix).AllowAnonymous();
        group.MapGet("/login", (HttpContext context, LoginHandlers handlers) => handlers.ShowSignIn(context));
        group.MapPost("/login", (HttpContext context, LoginHandlers handlers) => handlers.SignIn(context));
        group.MapGet("/logout", (HttpContext context, LoginHandlers handlers) => handlers.ShowSignOut(context));
        group.MapPost("/logout", (HttpContext context, LoginHandlers handlers) => handlers.SignOut(context));
        endpoints.MapGet(pathPrefix + "/userinfo", (Delegate)UserInfoHandler.Handle).RequireAuthorization();
        return endpoints;
    }
}
