using Gateway.Sessions;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Gateway.Observability;

internal static class ObservabilityExtensions
{
    private const string ReadyTag = "ready";

    /// <summary>Serilog (readable console in Development, compact JSON elsewhere) and the health checks.</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var development = environment.IsDevelopment();
        // Each host keeps its own logger (preserveStaticLogger): the static Log.Logger is process-wide, so with it two
        // gateways in one process (the tests) would write to each other's sinks.
        services.AddSerilog(preserveStaticLogger: true, configureLogger: (provider, logger) =>
        {
            logger.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .MinimumLevel.Override("Yarp", LogEventLevel.Warning)
                .ReadFrom.Configuration(configuration)
                .ReadFrom.Services(provider);
            if (development)
            {
                // Plain text, one event a line: what people typed (a username, a path) must not start a line of its own,
                // and the queue waits rather than drops (audit events included) when the console falls behind.
                logger.Enrich.With<ControlCharacterEscaping>()
                    .WriteTo.Async(sinks => sinks.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}"),
                        blockWhenFull: true);
            }
            else
            {
                // A console write per request line (and a worker woken per line) was the largest single cost of a
                // proxied request (bench/README.md): lines are queued and written ten times a second, at most 100 ms late.
                logger.WriteTo.Sink(new BatchedConsoleSink(
                    new RenderedCompactJsonFormatter(), Console.OpenStandardOutput(), TimeSpan.FromMilliseconds(100), queueLimit: 100_000));
            }
        });
        services.AddHealthChecks().AddCheck<SessionStoreHealthCheck>("session-store", tags: [ReadyTag]);
        return services;
    }

    /// <summary>One line per request: see <see cref="RequestLogMiddleware"/>.</summary>
    public static IApplicationBuilder UseObservability(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestLogMiddleware>(app.ApplicationServices.GetRequiredService<Serilog.ILogger>());

    /// <summary>
    /// <c>healthz</c>: the process runs. <c>readyz</c>: the session store answers. Both are probes (Kubernetes asks
    /// them 18 times a minute per pod): the request log leaves out their successes, never their failures.
    /// </summary>
    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        endpoints.MapHealthChecks(pathPrefix + "/healthz", new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous().WithMetadata(HealthProbeEndpoint.Instance);
        endpoints.MapHealthChecks(pathPrefix + "/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) })
            .AllowAnonymous().WithMetadata(HealthProbeEndpoint.Instance);
        return endpoints;
    }

    private sealed class SessionStoreHealthCheck(ISessionStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await store.IsAvailableAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The session store does not answer.");
    }
}
