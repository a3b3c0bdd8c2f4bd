using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.ForwardAuth;

/// <summary>
/// Forward-auth for proxies that keep their own routing (nginx <c>auth_request</c>, Caddy <c>forward_auth</c>,
/// Traefik <c>forwardAuth</c>): <c>{PathPrefix}/auth</c> answers 200 with the identity headers, 401, 403, 400 or 503.
/// </summary>
internal static class ForwardAuthExtensions
{
    public const string AuthPath = "/auth";

    public static IServiceCollection AddForwardAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ForwardAuthOptions>().Bind(configuration.GetSection(ForwardAuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardAuthOptions>, ForwardAuthOptionsValidator>();
        services.AddSingleton<TrustedProxyNetworks>();
        services.AddSingleton<ForwardAuthHandler>();
        return services;
    }

    /// <summary>
    /// Must run before the forwarded-headers middleware: notes which address asks (see <see cref="ForwardAuthPeer"/>).
    /// </summary>
    public static IApplicationBuilder UseForwardAuth(this IApplicationBuilder app, string pathPrefix) =>
        ForwardAuthPeer.Use(app, new PathString(pathPrefix + AuthPath));

    /// <summary>Any method: nginx's <c>auth_request</c> asks with the browser's own method.</summary>
    public static IEndpointRouteBuilder MapForwardAuth(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        endpoints.Map(pathPrefix + AuthPath, (HttpContext context, ForwardAuthHandler handler) => handler.HandleAsync(context))
            .AllowAnonymous()
            .AnswerFromAuthenticatedSessions();
        return endpoints;
    }
}
