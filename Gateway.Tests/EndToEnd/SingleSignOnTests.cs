using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>The heart of the gateway over real sockets, run once per session store.</summary>
public abstract class SingleSignOnTests : GatewayTestBase
{
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

    [Fact]
    public async Task SignInOnApp2_IsSignedInOnApp1_WithTheSameCookie()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App2, TestUsers.Bob);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);

        var onApp1 = await client.GetEchoAsync(GatewayHost.App1, "/inbox");
        var onApp2 = await client.GetEchoAsync(GatewayHost.App2, "/posts");

        Assert.Equal(("app1", "bob"), (onApp1.Backend, onApp1.Header("X-Forwarded-User")));
        Assert.Equal(("app2", "bob"), (onApp2.Backend, onApp2.Header("X-Forwarded-User")));
        Assert.Equal(client.SessionCookie(GatewayHost.App1)!.Value, client.SessionCookie(GatewayHost.App2)!.Value);
    }

    [Theory]
    [InlineData("ALICE")]
    [InlineData("Alice")]
    [InlineData("aLiCe")]
    public async Task SignIn_WithUsernameInOtherLetterCase_BackendSeesNameAsWrittenInUsersFile(string typed)
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, typed, TestUsers.AlicePassword);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);

        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/");

        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
        Assert.Equal("Alice Admin", echoed.Header("X-Forwarded-Name"));
    }

    [Fact]
    public async Task TwoBrowsers_SignedInAsDifferentUsers_EachBackendRequestCarriesItsOwnUser()
    {
        using var alice = Gateway.CreateClient();
        using var bob = Gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }
}

public sealed class SingleSignOnTests_InMemory : SingleSignOnTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class SingleSignOnTests_Redis(RedisServerFixture redis) : SingleSignOnTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
