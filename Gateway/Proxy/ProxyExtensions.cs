using Gateway.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

internal static class ProxyExtensions
{
    public const string SectionName = "ReverseProxy";

    /// <summary>YARP from the <c>ReverseProxy</c> section, every route secured by default, held to the
    /// gateway's route rules at startup and on every reload, and given the identity headers.</summary>
    public static IServiceCollection AddProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<SsoOptions>, ProxyOptionsValidator>();
        services.AddSingleton<IdentityHeadersTransform>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(SectionName))
            .AddConfigFilter<DefaultPolicyConfigFilter>()
            .AddConfigFilter<RouteRulesFilter>()
            .AddTransforms(builder =>
            {
                var transform = builder.Services.GetRequiredService<IdentityHeadersTransform>();
                builder.AddRequestTransform(transform.ApplyAsync);
            });
        return services;
    }

    /// <summary>Every route of the <c>ReverseProxy</c> section, forwarded by YARP.</summary>
    public static ReverseProxyConventionBuilder MapProxy(this IEndpointRouteBuilder endpoints) => endpoints.MapReverseProxy();
}
