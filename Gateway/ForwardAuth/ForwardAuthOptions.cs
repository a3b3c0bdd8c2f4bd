namespace Gateway.ForwardAuth;

/// <summary>
/// The <c>Sso:ForwardAuth</c> section: who may tell <c>{PathPrefix}/auth</c> which URL a browser asked another proxy
/// for (<c>X-Forwarded-Method/Proto/Host/Uri</c>, <c>X-Original-URL/URI</c>). Anyone else's such headers are ignored.
/// </summary>
public sealed class ForwardAuthOptions
{
    public const string SectionName = "Sso:ForwardAuth";

    /// <summary>Loopback, IPv4 and IPv6: a proxy on the gateway's own machine (the default).</summary>
    public static readonly string[] DefaultTrustedProxies = ["127.0.0.0/8", "::1/128"];

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.0.0.0/24</c>) or single addresses of the proxies that ask. Default: loopback
    /// (<see cref="DefaultTrustedProxies"/>). Null rather than a filled list, because configuration binding adds to a
    /// list it finds instead of replacing it.
    /// </summary>
    public List<string>? TrustedProxies { get; set; }

    public IReadOnlyList<string> EffectiveTrustedProxies => TrustedProxies is { Count: > 0 } named ? named : DefaultTrustedProxies;
}
