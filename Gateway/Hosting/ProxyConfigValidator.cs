using Gateway.Access;
using Gateway.Configuration;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Gateway.Hosting;

/// <summary>
/// The <c>ReverseProxy</c> section as the gateway needs it (SPEC §3): at least one route, each with a match, a known
/// cluster, a known policy and hosts under the cookie domain; each cluster with absolute http(s) destinations.
/// Runs before YARP loads the section, so the operator gets our message naming the key rather than YARP's exception.
/// </summary>
internal static class ProxyConfigValidator
{
    public static void Validate(IConfigurationSection proxy, SsoOptions options, List<string> errors)
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
            ValidateRoute(route, options, clusterIds, errors);
        }
        foreach (var cluster in clusters)
        {
            ValidateCluster(cluster, errors);
        }
    }

    private static void ValidateRoute(IConfigurationSection route, SsoOptions options, HashSet<string> clusterIds, List<string> errors)
    {
        var key = route.Path;
        var policy = route["AuthorizationPolicy"];
        if (!string.IsNullOrEmpty(policy)
            && !AccessServiceCollectionExtensions.BuiltInPolicies.Contains(policy, StringComparer.OrdinalIgnoreCase)
            && !options.Policies.ContainsKey(policy))
        {
            errors.Add($"{key}:AuthorizationPolicy: unknown policy '{policy}' (define it under Sso:Policies, or use default or anonymous).");
        }
        var clusterId = route["ClusterId"];
        if (string.IsNullOrEmpty(clusterId) || !clusterIds.Contains(clusterId))
        {
            errors.Add($"{key}:ClusterId: '{clusterId}' names no cluster under ReverseProxy:Clusters.");
        }

        var match = route.GetSection("Match");
        if (!match.GetChildren().Any())
        {
            errors.Add($"{key}:Match: a route needs a Match with Hosts and/or Path.");
        }
        if (match["Path"] is { } path && !IsRoutePattern(path, out var reason))
        {
            errors.Add($"{key}:Match:Path: '{path}' is not a route pattern: {reason}");
        }

        var cookieDomain = options.CookieDomain?.TrimStart('.');
        var hosts = match.GetSection("Hosts").GetChildren().ToList();
        foreach (var host in hosts)
        {
            var name = (host.Value ?? "").Split(':')[0].TrimStart('*', '.');
            if (!string.IsNullOrEmpty(cookieDomain)
                && !name.Equals(cookieDomain, StringComparison.OrdinalIgnoreCase)
                && !name.EndsWith("." + cookieDomain, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{host.Path}: '{host.Value}' is not under Sso:CookieDomain '{options.CookieDomain}', so its users could never be signed in.");
            }
        }
    }

    private static void ValidateCluster(IConfigurationSection cluster, List<string> errors)
    {
        var destinations = cluster.GetSection("Destinations").GetChildren().ToList();
        if (destinations.Count == 0)
        {
            errors.Add($"{cluster.Path}:Destinations: the cluster has no destinations.");
        }
        foreach (var destination in destinations)
        {
            var address = destination["Address"];
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"{destination.Path}:Address: '{address}' is not an absolute http(s) URL.");
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
