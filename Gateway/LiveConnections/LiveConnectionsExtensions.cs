using Gateway.AuthenticatedSessions;
using Gateway.Cookies;
using Gateway.Sessions;
using Microsoft.AspNetCore.Http.Features;

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
        return app.Use(async (context, next) =>
        {
            if (context.User.Identity is not { IsAuthenticated: true } || !IsLongLived(context.Request)
                || SessionOf(context) is not { } session)
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
    /// The session the request was authenticated with: its authenticated session (from the cache, or just added to
    /// it), else what the ticket store noted on the framework's path.
    /// </summary>
    private static (SessionKey Key, SessionRecord Record)? SessionOf(HttpContext context) =>
        context.GetAuthenticatedSession() is { } session ? (session.Key, session.Record)
        : context.Features.Get<SessionTicketStore.RetrievedSession>() is { } retrieved ? (retrieved.Key, retrieved.Record)
        : null;
}
