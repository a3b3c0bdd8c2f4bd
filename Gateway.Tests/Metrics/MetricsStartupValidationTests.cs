using System.Net;
using System.Net.Sockets;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>
/// <c>Sso:Metrics</c> settings that cannot work stop the real gateway process: exit code 1 and one message naming the
/// key, no stack trace. A metrics port that is taken stops it too, rather than running without the metrics.
/// </summary>
public sealed class MetricsStartupValidationTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-metrics-startup-").FullName;

    public MetricsStartupValidationTests() =>
        File.WriteAllText(Path.Combine(_contentRoot, "users.json"), TestUsers.FileContent([TestUsers.Alice]));

    [Theory]
    [InlineData("Sso:Metrics:Enabled", "yes please", "Sso:Metrics:Enabled: 'yes please' is not true or false.")]
    [InlineData("Sso:Metrics:Port", "nine", "Sso:Metrics:Port: 'nine' is not a whole number.")]
    [InlineData("Sso:Metrics:Port", "0", "Sso:Metrics:Port: 0 is not a TCP port")]
    [InlineData("Sso:Metrics:Port", "65536", "Sso:Metrics:Port: 65536 is not a TCP port")]
    [InlineData("Sso:Metrics:Address", "localhost", "Sso:Metrics:Address: 'localhost' is not an IP address")]
    [InlineData("Sso:Metrics:Address", "10.1", "Sso:Metrics:Address: '10.1' is not an IP address")]
    [InlineData("Sso:Metrics:Address", "0.0.0.0/0", "Sso:Metrics:Address: '0.0.0.0/0' is not an IP address")]
    public async Task InvalidSetting_StopsStartup_WithOneMessageNamingTheKey(string key, string value, string message)
    {
        await using var gateway = Start(new() { ["Sso:Metrics:Enabled"] = "true", ["Sso:Metrics:Address"] = "127.0.0.1", [key] = value });
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        var output = gateway.Errors + gateway.Output;
        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{output}");
        var line = Assert.Single(Lines(gateway.Errors), l => l.StartsWith("  ", StringComparison.Ordinal));
        Assert.StartsWith("  " + message, line);
        Assert.DoesNotContain(Lines(output), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", output);
    }

    [Fact]
    public async Task MetricsPortInUse_StopsStartup_NamingTheKey()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        await using var gateway = Start(new() { ["Sso:Metrics:Enabled"] = "true", ["Sso:Metrics:Address"] = "127.0.0.1", ["Sso:Metrics:Port"] = $"{port}" });
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{gateway.Errors}{gateway.Output}");
        var line = Assert.Single(Lines(gateway.Errors), l => l.StartsWith("  ", StringComparison.Ordinal));
        Assert.StartsWith($"  Sso:Metrics:Port: {port} is in use on 127.0.0.1", line);
        Assert.DoesNotContain(Lines(gateway.Errors), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    /// <summary>Off by default: no listener on the default port, whatever else is configured.</summary>
    [Fact]
    public async Task ByDefault_NoMetricsListener()
    {
        await using var gateway = Start([]);
        await gateway.WaitUntilListeningAsync(ExitTimeout);
        Assert.DoesNotContain("Metrics for Prometheus", gateway.Output);
        Assert.DoesNotContain(":9464", gateway.Output);
    }

    private GatewayProcess Start(Dictionary<string, string> settings)
    {
        var config = new Dictionary<string, string>
        {
            ["contentRoot"] = _contentRoot,
            ["Sso:UsersFile"] = "users.json",
            ["Sso:CookieDomain"] = ".example.com",
            ["ReverseProxy:Routes:r1:ClusterId"] = "c1",
            ["ReverseProxy:Routes:r1:Match:Hosts:0"] = "app1.example.com",
            ["ReverseProxy:Routes:r1:Match:Path"] = "{**catch-all}",
            ["ReverseProxy:Clusters:c1:Destinations:d1:Address"] = "http://127.0.0.1:9/",
        };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }
        return GatewayProcess.Start(_contentRoot, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            ["--urls=http://127.0.0.1:0", .. config.Select(kv => $"--{kv.Key}={kv.Value}")]);
    }

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
