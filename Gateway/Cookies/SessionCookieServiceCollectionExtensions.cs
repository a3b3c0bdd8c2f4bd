using Gateway.Configuration;
using Gateway.Login;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Cookies;

internal static class SessionCookieServiceCollectionExtensions
{
    /// <summary>Cookie authentication with a server-side ticket store: the one domain-wide session cookie.</summary>
    public static IServiceCollection AddSessionCookie(this IServiceCollection services)
    {
        services.AddSingleton<SessionTicketStore>();
        services.AddSingleton<SessionCookieEvents>();
        services.AddSingleton<SessionCookieHandler.LoggerFactory>();
        // What AddCookie() registers, with the framework's handler replaced by its subclass SessionCookieHandler.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, PostConfigureCookieAuthenticationOptions>());
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<CookieAuthenticationOptions, SessionCookieHandler>(CookieAuthenticationDefaults.AuthenticationScheme, displayName: null, configureOptions: null);
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<SsoOptions>, SessionTicketStore>(Configure)
            // Runs after the framework's own post-configuration has created the Data Protection ticket format.
            .PostConfigure(cookie =>
            {
                if (cookie.TicketDataFormat is { } format and not IssuedFormTicketFormat)
                {
                    cookie.TicketDataFormat = new IssuedFormTicketFormat(format);
                }
            });
        return services;
    }

    private static void Configure(CookieAuthenticationOptions cookie, IOptions<SsoOptions> sso, SessionTicketStore ticketStore)
    {
        var options = sso.Value;
        cookie.Cookie.Name = options.CookieName;
        cookie.Cookie.Domain = string.IsNullOrEmpty(options.CookieDomain) ? null : options.CookieDomain;
        cookie.Cookie.Path = "/";
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SecurePolicy = options.CookieSecure ? CookieSecurePolicy.Always : CookieSecurePolicy.None;
        cookie.Cookie.SameSite = options.CookieSameSite;
        cookie.Cookie.IsEssential = true;
        cookie.SessionStore = ticketStore;
        // The store slides the idle expiry; the cookie itself is a browser-session cookie that never changes.
        cookie.SlidingExpiration = false;
        cookie.ExpireTimeSpan = options.IdleTimeout;
        cookie.LoginPath = options.PathPrefix + "/login";
        cookie.LogoutPath = options.PathPrefix + "/logout";
        cookie.ReturnUrlParameter = "returnUrl";
        cookie.EventsType = typeof(SessionCookieEvents);
    }
}
