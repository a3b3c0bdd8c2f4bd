namespace Gateway.Metrics;

/// <summary>
/// The <c>Sso:Metrics</c> section: Prometheus metrics on a management listener of their own, never on the proxied port.
/// </summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Sso:Metrics";

    /// <summary>The port the OpenTelemetry Prometheus exporter is registered under; the gateway's default too.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Every interface, IPv4 and IPv6.</summary>
    public const string AnyAddress = "*";

    /// <summary>Meters on and the management listener started. Default off: nothing listens that nobody asked for.</summary>
    public bool Enabled { get; set; }

    /// <summary>The management port; <c>GET /metrics</c> there is the only thing it answers.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// The address the management listener binds: <see cref="AnyAddress"/> (default; Prometheus scrapes from another
    /// machine or pod) or one IP address written out in full, e.g. <c>127.0.0.1</c> or the pod's own.
    /// </summary>
    public string Address { get; set; } = AnyAddress;
}
