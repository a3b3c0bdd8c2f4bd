using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Observability;

/// <summary>
/// What an operator's log collector reads outside Development: standard output, one compact-JSON event per line
/// (SPEC §11), written in batches by a background worker, and nothing lost when the gateway is stopped.
/// </summary>
public sealed class ConsoleLogTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-log-").FullName;

    [Fact]
    public async Task Production_WritesEachRequestAsOneJsonLine_AndFlushesThemOnStop()
    {
        await using var gateway = GatewayProcess.Start(_contentRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Sso__Redis"] = "",
            ["Sso__CookieSecure"] = "false",
            ["Sso__UsersFile"] = Path.Combine(RepositoryRoot.Path, "config", "users.json"),
            ["ReverseProxy__Routes__all__ClusterId"] = "nowhere",
            ["ReverseProxy__Routes__all__Match__Path"] = "{**catch-all}",
            ["ReverseProxy__Clusters__nowhere__Destinations__closed__Address"] = $"http://127.0.0.1:{FreePort.Closed}/",
        });
        var port = await gateway.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        for (var i = 0; i < 50; i++)
        {
            // Not a health probe: successful probes are left out of the request log (HealthProbeLogTests).
            using var response = await http.GetAsync($"/_sso/userinfo?n={i}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var last = await http.GetAsync("/_sso/userinfo?n=last"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, last.StatusCode);
        }

        Assert.Equal(0, await gateway.StopAsync(TimeSpan.FromSeconds(30)));

        var events = gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var requests = events.Where(e => e.TryGetProperty("RequestMethod", out _)).ToList();
        Assert.Equal(51, requests.Count);
        var line = requests[^1];
        Assert.Equal("GET", line.GetProperty("RequestMethod").GetString());
        Assert.Equal("/_sso/userinfo", line.GetProperty("RequestPath").GetString());
        Assert.Equal(401, line.GetProperty("StatusCode").GetInt32());
        Assert.Equal("-", line.GetProperty("User").GetString());
        Assert.StartsWith($"HTTP GET 127.0.0.1:{port}/_sso/userinfo responded 401 in ", line.GetProperty("@m").GetString());
        Assert.True(line.TryGetProperty("@t", out _));
        Assert.Contains(events, e => e.GetProperty("@m").GetString() == "Application is shutting down...");
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
