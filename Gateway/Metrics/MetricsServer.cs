using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Gateway.Metrics;

/// <summary>
/// The management listener: a Kestrel server of its own on <c>Sso:Metrics:Address</c>:<c>Sso:Metrics:Port</c> that
/// answers <c>GET /metrics</c> (Prometheus text from the gateway's meter provider) and 404 to everything else. It
/// shares nothing with the proxied pipeline, so no route, host or path of the public port can reach the metrics,
/// and no request to this port can reach a backend.
/// </summary>
/// <remarks>
/// A second server rather than a second listener of the main one: Kestrel drops every address given by
/// <c>--urls</c>/<c>ASPNETCORE_HTTP_PORTS</c> as soon as one listener is configured in code, and the endpoint would
/// then also have to be kept away from the proxied pipeline by filters.
/// </remarks>
internal sealed partial class MetricsServer(
    MeterProvider meterProvider, GatewayMetrics metrics, IOptions<MetricsOptions> options, ILogger<MetricsServer> logger)
    : IHostedService, IAsyncDisposable
{
    public const string Path = "/metrics";

    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestBodySize = 0;
            if (settings.Address == MetricsOptions.AnyAddress)
            {
                kestrel.ListenAnyIP(settings.Port);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port);
            }
        });
        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider,
            context => context.Request.Path == Path && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)),
            path: null!, configureBranchedPipeline: null!, optionsName: null!);
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            await app.DisposeAsync();
            throw new MetricsListenerException(
                $"{MetricsOptions.SectionName}:Port: {settings.Port} is in use on {settings.Address} ({ex.Message}). Give the metrics listener a free port, other than the gateway's own.");
        }
        _app = app;
        metrics.InitializeSeries();
        Log.Listening(logger, settings.Address, settings.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Metrics.Listening, LogLevel.Information, "Metrics for Prometheus at http://{Address}:{Port}/metrics (management listener; never on the proxied port)")]
        public static partial void Listening(ILogger logger, string address, int port);
    }
}

/// <summary>The management listener could not start; the message names the key. Stops startup without a stack trace.</summary>
internal sealed class MetricsListenerException(string message) : Exception(message);
