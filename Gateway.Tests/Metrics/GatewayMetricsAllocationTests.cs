using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tests.Metrics;

/// <summary>
/// The events of the hot path (a request answered, a cache-missing read timed) and the other counters allocate nothing
/// per event while the OpenTelemetry SDK aggregates them, as in production: a machine-independent check that
/// metrics add no garbage to a proxied request beyond what ASP.NET Core's own instruments do.
/// </summary>
public sealed class GatewayMetricsAllocationTests
{
    [Fact]
    public void Events_WithTheSdkListening_AllocateNothing()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new GatewayMetrics(services.GetRequiredService<IMeterFactory>(), services);
        var exported = new List<Metric>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(GatewayMetrics.MeterName).AddInMemoryExporter(exported).Build();

        var proxied = Context(new EndpointMetadataCollection(new RouteModel(new RouteConfig { RouteId = "allocation-test-route" }, null, HttpTransformer.Empty)), "{**catch-all}");
        var own = Context(EndpointMetadataCollection.Empty, "/allocation-test/login");
        var unrouted = new DefaultHttpContext();
        void Events()
        {
            for (var i = 0; i < 4; i++)
            {
                metrics.RequestStarted();
            }
            metrics.RequestCompleted(proxied, 200);
            metrics.RequestCompleted(proxied, 401);
            metrics.RequestCompleted(own, 302);
            metrics.RequestCompleted(unrouted, 404);
            metrics.StoreAnswered("get", Stopwatch.GetTimestamp());
            metrics.SignInSucceeded(GatewayMetrics.Password);
            metrics.SignInFailed(GatewayMetrics.Password, "wrong-password");
            metrics.SignInLockedOut("address");
            metrics.LockoutBegan("username");
            metrics.SessionsEnded(GatewayMetrics.SignOut);
        }

        // The first event of each series creates it.
        for (var i = 0; i < 100; i++)
        {
            Events();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Events();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        provider.ForceFlush();
        // The SDK listens to every meter of this name in the process: another test's gateway alive meanwhile has its own
        // meter, which the SDK exports as a second stream of the same name. Only this test's routes count.
        var points = new List<(string Route, string Status, long Count)>();
        foreach (var requests in exported.Where(m => m.Name == "ssogateway.requests"))
        {
            foreach (ref readonly var point in requests.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }
                if (((string)tags["route"]!).Contains("allocation-test", StringComparison.Ordinal))
                {
                    points.Add(((string)tags["route"]!, (string)tags["status_class"]!, point.GetSumLong()));
                }
            }
        }
        Assert.Equal(
            [("/allocation-test/login", "3xx", 10_100L), ("allocation-test-route", "2xx", 10_100L), ("allocation-test-route", "4xx", 10_100L)],
            points.Order());
    }

    private static DefaultHttpContext Context(EndpointMetadataCollection metadata, string pattern)
    {
        var context = new DefaultHttpContext();
        context.SetEndpoint(new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(pattern), 0, metadata, pattern));
        return context;
    }
}
