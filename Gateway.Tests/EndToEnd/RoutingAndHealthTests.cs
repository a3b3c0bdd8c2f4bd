using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>No route, a dead backend (SPEC §5), and the health endpoints (SPEC §4).</summary>
public abstract class RoutingAndHealthTests : GatewayTestBase
{
    private const string DownHost = "down.sso.localhost";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownHost_Is404(bool signedIn)
    {
        using var client = Gateway.CreateClient();
        if (signedIn)
        {
            (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        }

        using var api = await client.GetAsync(GatewayHost.Outside, "/anything");
        using var page = await client.GetAsync("nothing.sso.localhost", "/", asBrowser: true);

        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }

    [Theory]
    [InlineData("anonymous", false)]
    [InlineData("default", true)]
    public async Task BackendDown_Is502(string policy, bool signedIn)
    {
        var gateway = await StartGatewayAsync(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:down:ClusterId"] = "down",
            ["ReverseProxy:Routes:down:AuthorizationPolicy"] = policy,
            ["ReverseProxy:Routes:down:Match:Hosts:0"] = DownHost,
            ["ReverseProxy:Routes:down:Match:Path"] = "{**catch-all}",
            // Nothing listens there.
            ["ReverseProxy:Clusters:down:Destinations:d1:Address"] = $"http://127.0.0.1:{FreePort.Closed}",
        });
        using var client = gateway.CreateClient();
        if (signedIn)
        {
            (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        }

        using var response = await client.GetAsync(DownHost, "/status");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("app1", (await client.GetEchoAsync(GatewayHost.App1, "/public/still-up")).Backend);
    }

    [Theory]
    [InlineData(GatewayHost.App1)]
    [InlineData(GatewayHost.Outside)]
    public async Task Healthz_Is200OnEveryHost(string host)
    {
        using var client = Gateway.CreateClient();

        using var response = await client.GetAsync(host, "/_sso/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_WithTheStoreAnswering_Is200()
    {
        using var client = Gateway.CreateClient();

        using var response = await client.GetAsync(GatewayHost.App2, "/_sso/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GatewayEndpoints_AnswerOnEveryHost_EvenWithoutARoute()
    {
        using var client = Gateway.CreateClient();

        using var login = await client.GetAsync(GatewayHost.Outside, "/_sso/login", asBrowser: true);
        using var userInfo = await client.GetAsync(GatewayHost.Outside, "/_sso/userinfo");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
        using var body = JsonDocument.Parse(await userInfo.Content.ReadAsStringAsync());
        Assert.Equal("unauthenticated", body.RootElement.GetProperty("error").GetString());
    }
}

public sealed class RoutingAndHealthTests_InMemory : RoutingAndHealthTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class RoutingAndHealthTests_Redis(RedisServerFixture redis) : RoutingAndHealthTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
