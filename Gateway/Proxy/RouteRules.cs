using Gateway.Access;
using Gateway.Configuration;
using Microsoft.AspNetCore.Routing.Patterns;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy;

/// <summary>
/// The <c>ReverseProxy</c> section as the gateway needs it (SPEC §3): at least one route, each with a match, a known
/// cluster, a known policy and hosts under the cookie domain; each cluster with absolute http(s) destinations.
/// One rule set, two callers: <see cref="ProxyOptionsValidator"/> checks the section once at startup, before YARP
/// loads it (every error at once, beside the <c>Sso</c> ones, each naming its key); <see cref="RouteRulesFilter"/>
/// checks every later load (an edited settings file), which YARP then refuses, keeping the last good configuration.
/// </summary>
internal static class RouteRules
{
    /// <summary>What the rules read of a route: from the configuration section, or from the model YARP loaded.</summary>
    public sealed record Route(string Key, string? Policy, string? ClusterId, bool HasMatch, string? Path, IReadOnlyList<(string Key, string? Value)> Hosts)
    {
        public static Route From(IConfigurationSection route)
        {
            var match = route.GetSection("Match");
            return new(route.Path, route["AuthorizationPolicy"], route["ClusterId"], match.GetChildren().Any(), match["Path"],
                match.GetSection("Hosts").GetChildren().Select(h => (h.Path, h.Value)).ToList());
        }

        /// <summary>Keys as the configuration names them (YARP keeps the route id and the order of the hosts).</summary>
        public static Route From(RouteConfig route)
        {
            var key = $"{ProxyExtensions.SectionName}:Routes:{route.RouteId}";
            var match = route.Match;
            var hasMatch = match is not null
                && (match.Path is not null || match.Hosts is not null || match.Methods is not null || match.Headers is not null || match.QueryParameters is not null);
            return new(key, route.AuthorizationPolicy, route.ClusterId, hasMatch, match?.Path,
                (match?.Hosts ?? []).Select((host, i) => ($"{key}:Match:Hosts:{i}", (string?)host)).ToList());
        }
    }

    /// <summary>What the rules read of a cluster: its key and each destination's key and address.</summary>
    public sealed record Cluster(string Key, IReadOnlyList<(string Key, string? Address)> Destinations)
    {
        public static Cluster From(IConfigurationSection cluster) => new(cluster.Path,
            cluster.GetSection("Destinations").GetChildren().Select(d => (d.Path, d["Address"])).ToList());

        public static Cluster From(ClusterConfig cluster)
        {
            var key = $"{ProxyExtensions.SectionName}:Clusters:{cluster.ClusterId}";
            return new(key, (cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
                .Select(d => ($"{key}:Destinations:{d.Key}", (string?)d.Value.Address)).ToList());
        }
    }

    /// <summary>The whole section, as at startup.</summary>
    public static void Check(IConfigurationSection proxy, SsoOptions options, List<string> errors)
    {
        var clusters = proxy.GetSection("Clusters").GetChildren().ToList();
        var clusterIds = clusters.Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var routes = proxy.GetSection("Routes").GetChildren().ToList();
        if (routes.Count == 0)
        {
            errors.Add($"{proxy.Path}:Routes: no routes are configured, so the gateway has nothing to protect.");
        }
        foreach (var route in routes)
        {
            CheckRoute(Route.From(route), options, clusterIds.Contains, errors);
        }
        foreach (var cluster in clusters)
        {
            CheckCluster(Cluster.From(cluster), errors);
        }
    }

    public static void CheckRoute(Route route, SsoOptions options, Func<string, bool> clusterExists, List<string> errors)
    {
        var key = route.Key;
        var policy = route.Policy;
        if (!string.IsNullOrEmpty(policy)
            && !AccessExtensions.BuiltInPolicies.Contains(policy, StringComparer.OrdinalIgnoreCase)
            && !options.Policies.ContainsKey(policy))
        {
            errors.Add($"{key}:AuthorizationPolicy: unknown policy '{policy}' (define it under Sso:Policies, or use default or anonymous).");
        }
        var clusterId = route.ClusterId;
        if (string.IsNullOrEmpty(clusterId) || !clusterExists(clusterId))
        {
            errors.Add($"{key}:ClusterId: '{clusterId}' names no cluster under ReverseProxy:Clusters.");
        }

        if (!route.HasMatch)
        {
            errors.Add($"{key}:Match: a route needs a Match with Hosts and/or Path.");
        }
        if (route.Path is { } path && !IsRoutePattern(path, out var reason))
        {
            errors.Add($"{key}:Match:Path: '{path}' is not a route pattern: {reason}");
        }

        var cookieDomain = options.CookieDomain?.TrimStart('.');
        foreach (var (hostKey, host) in route.Hosts)
        {
            var name = (host ?? "").Split(':')[0].TrimStart('*', '.');
            if (!string.IsNullOrEmpty(cookieDomain)
                && !name.Equals(cookieDomain, StringComparison.OrdinalIgnoreCase)
                && !name.EndsWith("." + cookieDomain, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{hostKey}: '{host}' is not under Sso:CookieDomain '{options.CookieDomain}', so its users could never be signed in.");
            }
        }
    }

    public static void CheckCluster(Cluster cluster, List<string> errors)
    {
        if (cluster.Destinations.Count == 0)
        {
            errors.Add($"{cluster.Key}:Destinations: the cluster has no destinations.");
        }
        foreach (var (destinationKey, address) in cluster.Destinations)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"{destinationKey}:Address: '{address}' is not an absolute http(s) URL.");
            }
        }
    }

    private static bool IsRoutePattern(string path, out string reason)
    {
        try
        {
            RoutePatternFactory.Parse(path);
            reason = "";
            return true;
        }
        catch (RoutePatternException ex)
        {
            reason = ex.Message;
            return false;
        }
    }
}
