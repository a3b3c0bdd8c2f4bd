using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Gateway.Metrics;

/// <summary>
/// OpenTelemetry metrics exported in Prometheus format on a management port (<see cref="MetricsServer"/>): the
/// gateway's own meter (<see cref="GatewayMetrics"/>), ASP.NET Core's and Kestrel's (the framework's own instruments,
/// through OpenTelemetry's ASP.NET Core instrumentation) and the runtime's (the <c>System.Runtime</c> meter .NET 9+
/// emits itself).
/// </summary>
internal static class MetricsExtensions
{
    /// <summary>The runtime's own meter (GC, thread pool, JIT, exceptions), built into .NET 9 and later.</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// ASP.NET Core's meters that say something on a dashboard: requests (duration, active), Kestrel's connections,
    /// sign-in and authorization attempts (the framework's path only). Not <c>Microsoft.AspNetCore.MemoryPool</c>: it
    /// records on every rent and return of a buffer (several per request), and Kestrel's pool says little an operator
    /// acts on that <c>dotnet.gc.*</c> and the working set do not.
    /// </summary>
    public static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
    ];

    /// <summary>ASP.NET Core's active-requests gauge, replaced by the gateway's <c>ssogateway.requests.active</c>.</summary>
    public const string ActiveRequestsInstrument = "http.server.active_requests";

    /// <summary>
    /// Always registers <see cref="GatewayMetrics"/> (its calls are nearly free without a listener); the exporter and
    /// the management listener only with <c>Sso:Metrics:Enabled</c>.
    /// </summary>
    public static IServiceCollection AddMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(MetricsOptions.SectionName);
        services.AddOptions<MetricsOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<GatewayMetrics>();
        if (section.Get<MetricsOptions>() is not { Enabled: true })
        {
            return services;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(GatewayMetrics.MeterName))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName)
                // The framework's own meters, named rather than through OpenTelemetry.Instrumentation.AspNetCore: that
                // also adds a middleware to every request (for error.type) and the routing meter's counter per request,
                // which cost the proxied hot path measurably (bench/README.md, "Metrics on against off").
                .AddMeter(FrameworkMeters)
                // Two measurements per request (start and end, each finding its series by tags) for what
                // ssogateway.requests.active counts with two increments; dropped, the instrument is not even enabled.
                .AddView(ActiveRequestsInstrument, MetricStreamConfiguration.Drop)
                .AddMeter(RuntimeMeter)
                // Every scrape collects afresh: only the scraper reaches this port, and a cached answer (the exporter's
                // default is 300 ms) would hide what happened just before it.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddHostedService<MetricsServer>();
        return services;
    }
}
