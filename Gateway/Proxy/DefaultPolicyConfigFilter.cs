using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy;

/// <summary>Secure by default: a route that names no policy needs a signed-in user.</summary>
internal sealed class DefaultPolicyConfigFilter : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => new(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        new(string.IsNullOrEmpty(route.AuthorizationPolicy) ? route with { AuthorizationPolicy = "default" } : route);
}
