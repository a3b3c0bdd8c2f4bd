using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Observability;

/// <summary>
/// Kubernetes asks the health endpoints 18 times a minute per pod: their successes stay out of the request log, their
/// failures (an unready pod) and every other request stay in.
/// </summary>
public sealed class HealthProbeLogTests
{
    [Fact]
    public async Task SuccessfulProbes_AreNotLogged_OtherRequestsAre()
    {
        var log = new CapturingLogSink();
        await using var gateway = await GatewayHost.StartAsync(LogEventText.InformationSettings, log.AddTo);
        using var client = gateway.CreateClient();

        foreach (var path in new[] { "/_sso/healthz", "/_sso/readyz", "/_sso/healthz", "/_sso/readyz" })
        {
            using var probe = await client.GetAsync(GatewayHost.App1, path);
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }
        using (await client.GetAsync(GatewayHost.App1, "/public/after-the-probes")) { }

        // The last request's line shows the log works; it is polled because a line is written after the response.
        await Poll.UntilAsync(() => Task.FromResult(log.RequestLines().Any(l => l.Scalar("RequestPath") == "/public/after-the-probes")),
            TimeSpan.FromSeconds(5), "the request after the probes is logged");
        Assert.DoesNotContain(log.RequestLines(), l => l.Scalar("RequestPath")!.EndsWith("z", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailingReadinessProbe_IsLogged()
    {
        var log = new CapturingLogSink();
        var settings = LogEventText.InformationSettings;
        settings["Sso:Redis"] = $"127.0.0.1:{FreePort.Closed}";
        settings["Sso:StoreTimeout"] = "00:00:00.500";
        await using var gateway = await GatewayHost.StartAsync(settings, log.AddTo);
        using var client = gateway.CreateClient();

        using var probe = await client.GetAsync(GatewayHost.App1, "/_sso/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
        await Poll.UntilAsync(() => Task.FromResult(log.RequestLines().Any(l => l.Scalar("RequestPath") == "/_sso/readyz" && l.Scalar("StatusCode") == "503")),
            TimeSpan.FromSeconds(5), "the failed probe is logged");
    }
}
