using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>The heart of the gateway over real sockets, run once per session store.</summary>
public abstract class SingleSignOnTests : IAsyncLifetime
{
    protected GatewayHost Gateway { get; private set; } = null!;

    protected abstract Task<GatewayHost> StartGatewayAsync();

    public async Task InitializeAsync() => Gateway = await StartGatewayAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();

    [Fact]
    public async Task BrowserNavigation_WithoutSession_RedirectsToLoginWithAbsoluteReturnUrl()
    {
        using var client = Gateway.CreateClient();
        using var response = await client.GetAsync(GatewayHost.App1, "/page?x=1", asBrowser: true);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var original = Gateway.Url(GatewayHost.App1, "/page?x=1");
        Assert.Equal(Gateway.Url(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(original)),
            response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task ApiCall_WithoutSession_Gets401Json()
    {
        using var client = Gateway.CreateClient();
        using var response = await client.GetAsync(GatewayHost.App1, "/api/items");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task SignInOnApp1_IsSignedInOnApp2_AndBackendSeesUser()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice, Gateway.Url(GatewayHost.App2, "/welcome"));

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal(Gateway.Url(GatewayHost.App2, "/welcome"), signIn.Headers.Location!.ToString());
        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/welcome");
        Assert.Equal("app2", echoed.Backend);
        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
        Assert.Equal("alice@example.com", echoed.Header("X-Forwarded-Email"));
        Assert.Equal("Alice Admin", echoed.Header("X-Forwarded-Name"));
        Assert.Equal("staff,admin", echoed.Header("X-Forwarded-Groups"));
    }
}

public sealed class SingleSignOnTests_InMemory : SingleSignOnTests
{
    protected override Task<GatewayHost> StartGatewayAsync() => GatewayHost.StartAsync();
}

[Collection(RedisCollection.Name)]
public sealed class SingleSignOnTests_Redis(RedisServerFixture redis) : SingleSignOnTests
{
    protected override Task<GatewayHost> StartGatewayAsync() => GatewayHost.StartAsync(GatewayHost.RedisSettings(redis));
}
