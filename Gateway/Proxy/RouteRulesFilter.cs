using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy;

/// <summary>
/// The <see cref="RouteRules"/> on every configuration YARP loads, so that an edited settings file cannot bring in a
/// route the gateway would have refused at startup (a host outside the cookie domain, a destination that is not an
/// http(s) URL, ...). A route or cluster breaking a rule throws: YARP then refuses the whole new configuration and
/// keeps serving the last good one. Each broken rule is logged naming its key, as startup would print it.
/// At startup <see cref="ProxyOptionsValidator"/> has already checked the same rules, so the first load passes.
/// </summary>
internal sealed partial class RouteRulesFilter(IOptions<SsoOptions> sso, ILogger<RouteRulesFilter> logger) : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        var errors = new List<string>();
        RouteRules.CheckCluster(RouteRules.Cluster.From(cluster), errors);
        return errors.Count == 0 ? new(cluster) : throw Refused(errors);
    }

    /// <remarks>
    /// YARP passes the route's cluster, or null when it names none that loaded. When any cluster of the load was refused,
    /// YARP passes null for every route, so their ClusterId is reported too: the refused cluster's own message says why.
    /// </remarks>
    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        var errors = new List<string>();
        RouteRules.CheckRoute(RouteRules.Route.From(route), sso.Value, _ => cluster is not null, errors);
        return errors.Count == 0 ? new(route) : throw Refused(errors);
    }

    private GatewayConfigurationException Refused(List<string> errors)
    {
        foreach (var error in errors)
        {
            Log.Refused(logger, error);
        }
        return new GatewayConfigurationException(string.Join(" ", errors));
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Proxy.RouteRulesRefused, LogLevel.Error, "The new ReverseProxy configuration is refused, the last good one stays in use: {Error}")]
        public static partial void Refused(ILogger logger, string error);
    }
}
