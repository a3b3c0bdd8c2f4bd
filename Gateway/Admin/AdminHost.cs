namespace Gateway.Admin;

/// <summary>
/// Host names as the admin API's placement needs them: it answers only on <c>Sso:LoginHost</c> when one is set
/// (elsewhere 404, and nothing is forwarded), and on every host only in Development without one (the demo).
/// </summary>
internal static class AdminHost
{
    /// <summary>The host name of a <c>host[:port]</c> setting.</summary>
    public static string Name(string hostAndPort) => HostString.FromUriComponent(hostAndPort.Trim()).Host;

    /// <summary>True when a route's host pattern (<c>a.example.com</c>, <c>*.example.com</c>, with or without a port) matches <paramref name="host"/>.</summary>
    public static bool Matches(string pattern, string host)
    {
        var name = Name(pattern);
        return name.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(name[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(name, host, StringComparison.OrdinalIgnoreCase);
    }
}
