using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Behind a TLS-terminating proxy (deploy/nginx) the gateway must see the browser's scheme and address. ASP.NET Core's
/// own switch <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> (configuration key <c>ForwardedHeaders_Enabled</c>)
/// does it; without it, <c>X-Forwarded-Proto</c> and <c>X-Forwarded-For</c> from clients are ignored.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private static readonly Dictionary<string, string> FromProxy = new()
    {
        ["X-Forwarded-Proto"] = "https",
        ["X-Forwarded-For"] = "203.0.113.7",
    };

    [Fact]
    public async Task BehindTlsProxy_WithForwardedHeadersEnabled_LoginRedirectStaysOnHttps()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["ForwardedHeaders_Enabled"] = "true" });
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(GatewayHost.App1, "/page", asBrowser: true, headers: FromProxy);

        var original = $"https://{GatewayHost.App1}:{gateway.Port}/page";
        Assert.Equal($"https://{GatewayHost.App1}:{gateway.Port}/_sso/login?returnUrl={Uri.EscapeDataString(original)}",
            response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task BehindTlsProxy_WithForwardedHeadersEnabled_BackendSeesBrowserSchemeAndAddress()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["ForwardedHeaders_Enabled"] = "true" });
        using var client = gateway.CreateClient();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", FromProxy);

        Assert.Equal("https", echoed.Header("X-Forwarded-Proto"));
        Assert.Equal("203.0.113.7", echoed.Header("X-Forwarded-For"));
    }

    [Fact]
    public async Task ByDefault_ClientSentForwardedHeaders_AreIgnored()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(GatewayHost.App1, "/page", asBrowser: true, headers: FromProxy);
        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", FromProxy);

        Assert.StartsWith($"http://{GatewayHost.App1}:{gateway.Port}/_sso/login?", response.Headers.Location!.ToString());
        Assert.Equal("http", echoed.Header("X-Forwarded-Proto"));
        Assert.Equal("127.0.0.1", echoed.Header("X-Forwarded-For"));
    }
}
