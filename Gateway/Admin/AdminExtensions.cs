using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>
/// The operators' API under <c>{PathPrefix}/admin</c>, for users passing the policy named by <c>Sso:AdminPolicy</c>:
/// list a user's live sessions, end them all, end one by its handle. It answers only on <c>Sso:LoginHost</c>
/// (<see cref="AdminHost"/>), and its DELETEs only to requests from that origin (<see cref="SameOriginOnly"/>). Without <c>Sso:AdminPolicy</c> it is switched off: every path under it answers 404.
/// </summary>
internal static partial class AdminExtensions
{
    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.AddSingleton<AdminHandlers>();
        services.AddSingleton<IValidateOptions<SsoOptions>, AdminOptionsValidator>();
        return services;
    }

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        // Read from configuration, not the options: validation (which names a bad key) runs when the host starts.
        var sso = endpoints.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(SsoOptions.SectionName);
        var policy = sso[nameof(SsoOptions.AdminPolicy)];
        var loginHost = sso[nameof(SsoOptions.LoginHost)];
        if (string.IsNullOrWhiteSpace(policy))
        {
            // Switched off: the gateway's admin paths answer 404 rather than reach a backend.
            endpoints.Map(pathPrefix + "/admin/{**rest}", () => Results.NotFound()).AllowAnonymous();
            return endpoints;
        }
        var admin = endpoints.MapGroup(pathPrefix + "/admin").RequireAuthorization(policy);
        if (string.IsNullOrWhiteSpace(loginHost))
        {
            Log.AdminOnEveryHost(endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminExtensions)));
        }
        else
        {
            // Elsewhere the paths fall to the 404 below, before authentication has anything to say.
            admin.RequireHost(AdminHost.Name(loginHost));
            endpoints.Map(pathPrefix + "/admin/{**rest}", () => Results.NotFound()).AllowAnonymous();
        }
        admin.MapGet("/users/{username}/sessions",
            (string username, AdminHandlers handlers, CancellationToken cancellationToken) =>
                handlers.ListAsync(username, cancellationToken));
        admin.MapDelete("/users/{username}/sessions",
            (string username, HttpContext context, AdminHandlers handlers) =>
                handlers.EndUserSessionsAsync(username, context))
            .AddEndpointFilter(SameOriginOnly.Filter);
        admin.MapDelete("/sessions/{handle}",
            (string handle, HttpContext context, AdminHandlers handlers) =>
                handlers.EndSessionAsync(handle, context))
            .AddEndpointFilter(SameOriginOnly.Filter);
        return endpoints;
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Admin.AdminOnEveryHost, LogLevel.Warning, "Sso:AdminPolicy is set without Sso:LoginHost: the admin API answers on every module's host (allowed in Development only).")]
        public static partial void AdminOnEveryHost(ILogger logger);
    }
}
