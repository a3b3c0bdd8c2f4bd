using Gateway.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.MySessions;

/// <summary>
/// "My sessions" at <c>{PathPrefix}/sessions</c>: the signed-in person's own sessions, each of which they may end
/// (<see cref="MySessionsHandlers"/>). With <c>Sso:LoginHost</c> set it answers only there, like the admin API: on a
/// module's host, script in that module (an XSS in the blog) would be same-origin with the list (addresses and
/// devices) and could read the page's antiforgery token. Elsewhere a browser asking for the page is sent to the login
/// host and everything else is 404; nothing under the path is ever forwarded to a backend.
/// </summary>
internal static class MySessionsExtensions
{
    public static IServiceCollection AddMySessions(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MySessionsHandlers>();
        return services;
    }

    public static IEndpointRouteBuilder MapMySessions(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        // Read from configuration, not the options: validation (which names a bad key) runs when the host starts.
        var loginHost = endpoints.ServiceProvider.GetRequiredService<IConfiguration>()
            .GetSection(SsoOptions.SectionName)[nameof(SsoOptions.LoginHost)];
        var sessions = endpoints.MapGroup(pathPrefix + "/sessions").RequireAuthorization();
        if (!string.IsNullOrWhiteSpace(loginHost))
        {
            sessions.RequireHost(HostString.FromUriComponent(loginHost.Trim()).Host);
        }
        sessions.MapGet("", (HttpContext context, MySessionsHandlers handlers) => handlers.ShowAsync(context));
        sessions.MapPost("/end", (HttpContext context, MySessionsHandlers handlers) => handlers.EndAsync(context));
        sessions.MapPost("/end-others", (HttpContext context, MySessionsHandlers handlers) => handlers.EndOthersAsync(context));
        // Other hosts, methods and paths: answered here, before the proxy's catch-all routes could forward them.
        endpoints.Map(pathPrefix + "/sessions/{**rest}", (HttpContext context, MySessionsHandlers handlers) => handlers.Elsewhere(context))
            .AllowAnonymous();
        return endpoints;
    }
}
