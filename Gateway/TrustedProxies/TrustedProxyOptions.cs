namespace Gateway.TrustedProxies;

/// <summary>
/// The <c>Sso:ForwardedHeaders</c> section: which senders the gateway believes when they say, in
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>, who the client is and whether it used https. The names are
/// those of ASP.NET Core's <c>ForwardedHeadersOptions</c>. Default: nobody, so a client can never choose the address
/// that the sign-in lockout counts and the audit log records.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string SectionName = "Sso:ForwardedHeaders";

    /// <summary>Addresses of the proxies in front of the gateway, e.g. <c>10.0.0.5</c>. Default none.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies are in, in CIDR form, e.g. <c>10.244.0.0/16</c>. Default none.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>
    /// How many proxies in a row may each add an <c>X-Forwarded-For</c> entry (the hop count): 1 for one nginx or
    /// ingress controller, 2 for a CDN in front of it. Every hop but the client must be a known proxy. Default 1.
    /// </summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Whether any proxy is trusted at all; without one the forwarded headers are ignored.</summary>
    public bool Any => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}
