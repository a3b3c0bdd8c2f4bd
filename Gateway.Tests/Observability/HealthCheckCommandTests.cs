using Gateway.Observability;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Observability;

/// <summary><c>dotnet Gateway.dll healthcheck</c>, the container HEALTHCHECK (the runtime image has no curl).</summary>
public sealed class HealthCheckCommandTests
{
    [Fact]
    public async Task HealthCheck_AgainstRunningGateway_ExitsZero()
    {
        await using var gateway = await GatewayHost.StartAsync();

        var (exitCode, _) = await RunAsync($"http://127.0.0.1:{gateway.Port}/_sso/healthz");

        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task HealthCheck_WhenNothingListens_ExitsOne()
    {
        var (exitCode, errors) = await RunAsync($"http://127.0.0.1:{FreePort.Closed}/_sso/healthz");

        Assert.Equal(1, exitCode);
        Assert.Contains("did not answer", errors);
    }

    [Fact]
    public async Task HealthCheck_WhenEndpointAnswersError_ExitsOne()
    {
        await using var gateway = await GatewayHost.StartAsync();

        var (exitCode, errors) = await RunAsync($"http://127.0.0.1:{gateway.Port}/_sso/no-such-endpoint");

        Assert.Equal(1, exitCode);
        Assert.Contains("answered 404", errors);
    }

    [Fact]
    public async Task HealthCheck_WithMalformedUrl_ExitsTwoAndSaysWhy()
    {
        var (exitCode, errors) = await RunAsync("not a url");

        Assert.Equal(2, exitCode);
        Assert.Contains("'not a url' is not an http(s) URL", errors);
    }

    [Theory]
    [InlineData("8080", "http://127.0.0.1:8080/_sso/healthz")]
    [InlineData("5000;5001", "http://127.0.0.1:5000/_sso/healthz")]
    [InlineData(" 9000 , 9001", "http://127.0.0.1:9000/_sso/healthz")]
    [InlineData(null, "http://127.0.0.1:8080/_sso/healthz")]
    [InlineData("", "http://127.0.0.1:8080/_sso/healthz")]
    [InlineData("not-a-port", "http://127.0.0.1:8080/_sso/healthz")]
    public void DefaultUrl_FollowsFirstPortOfAspNetCoreHttpPorts(string? httpPorts, string expected) =>
        Assert.Equal(expected, HealthCheckCommand.DefaultUrl(httpPorts));

    /// <summary>Exactly what the Dockerfile's HEALTHCHECK runs: the real Gateway.dll, no URL, the port from the environment.</summary>
    [Fact]
    public async Task GatewayDll_HealthcheckCommand_FindsGatewayThroughAspNetCoreHttpPorts()
    {
        await using var gateway = await GatewayHost.StartAsync();

        await using var process = GatewayProcess.Start(gateway.ContentRoot,
            new Dictionary<string, string> { [HealthCheckCommand.PortsVariable] = gateway.Port.ToString() }, HealthCheckCommand.Name);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, $"exit {exitCode}: {process.Output}{process.Errors}");
        Assert.Contains($"http://127.0.0.1:{gateway.Port}/_sso/healthz answered 200", process.Output);
    }

    private static async Task<(int ExitCode, string Errors)> RunAsync(string url)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exitCode = await HealthCheckCommand.RunAsync([url], output, errors);
        return (exitCode, errors.ToString());
    }
}
