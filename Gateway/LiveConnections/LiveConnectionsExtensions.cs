using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gateway.LiveConnections;

/// <summary>
/// Live connections end with their session: a proxied WebSocket or server-sent-events stream is aborted within a
/// second of its session ending (sign-out, admin revocation, a directory change, expiry) on whichever instance holds it.
/// </summary>
internal static class LiveConnectionsExtensions
{
    public static IServiceCollection AddLiveConnections(this IServiceCollection services)
    {
        services.AddSingleton<LiveConnectionRegistry>();
        services.AddHostedService<LiveConnectionSweeper>();
        return services;
    }

    /// <summary>After authentication: registers the long-lived requests of signed-in sessions while they last.</summary>
    public static IApplicationBuilder UseLiveConnections(this IApplicationBuilder app)
    {
        var registry = app.ApplicationServices.GetRequiredService<LiveConnectionRegistry>();
        var cookies = app.ApplicationServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>();
        var cookieName = app.ApplicationServices.GetRequiredService<IOptions<SsoOptions>>().Value.CookieName;
        return app.Use(async (context, next) =>
        {
            if (context.User.Identity is not { IsAuthenticated: true } || !IsLongLived(context.Request)
                || SessionOf(context, cookies.Get(CookieAuthenticationDefaults.AuthenticationScheme), cookieName) is not { } session)
            {
                await next(context);
                return;
            }
            registry.Add(context, session.Key, session.Record.EndsAt);
            try
            {
                await next(context);
            }
            finally
            {
                registry.Remove(context);
            }
        });
    }

    /// <summary>A WebSocket upgrade (HTTP/1.1 or HTTP/2), or a request for a server-sent-events stream.</summary>
    /// (YARP proxies upgrades through the server's features; the WebSockets middleware is not in the pipeline.)
    private static bool IsLongLived(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        || request.HttpContext.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true }
        || request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The session the request was authenticated with: noted by the ticket store on the full path, or remembered by
    /// the cookie format when the handler answered from an earlier authentication of the same cookie.
    /// </summary>
    private static SessionTicketStore.RetrievedSession? SessionOf(HttpContext context, CookieAuthenticationOptions options, string cookieName)
    {
        if (context.Features.Get<SessionTicketStore.RetrievedSession>() is { } retrieved)
        {
            return retrieved;
        }
        return options.TicketDataFormat is CachingTicketDataFormat format
            && CookieHeader.TryGetSingleValue(context.Request.Headers.Cookie, cookieName, out var value)
            && format.TryGetAuthenticated(value, out var last)
            ? new SessionTicketStore.RetrievedSession(last.Key, last.Record)
            : null;
    }
}
