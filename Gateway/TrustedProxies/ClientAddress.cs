namespace Gateway.TrustedProxies;

internal static class ClientAddress
{
    /// <summary>The client address as the gateway sees it (after forwarded-headers processing, if configured).</summary>
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "-";
}
