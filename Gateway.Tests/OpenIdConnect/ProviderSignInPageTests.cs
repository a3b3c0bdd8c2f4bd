using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// The sign-in page with providers: one button per provider beside the password form; with <c>Sso:UsersFile</c> ""
/// no password form, and with exactly one provider straight there; with <c>Sso:LoginHost</c> the sign-in happens there.
/// </summary>
[Collection(OpenIdProviderCollection.Name)]
public sealed class ProviderSignInPageTests(OpenIdProviderFixture provider)
{
    [Fact]
    public async Task SignInPage_HasAButtonPerProvider_BesideThePasswordForm()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sso:OpenIdConnect:idp:DisplayName"] = "Test <IdP>",
        });
        using var client = gateway.Host.CreateClient();

        using var page = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=%2Freports%3Fy%3D1", asBrowser: true);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<a class=\"provider\" href=\"/_sso/oidc/idp/login?returnUrl=%2Freports%3Fy%3D1\">Sign in with Test &lt;IdP&gt;</a>", html);
        Assert.Contains("name=\"password\"", html);
    }

    [Fact]
    public async Task WithoutUsersFile_AndOneProvider_AProtectedPageGoesStraightToTheProvider_AndBack()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { ["Sso:UsersFile"] = "" });
        using var client = gateway.Host.CreateClient();
        var page = gateway.Host.Url(GatewayHost.App2, "/reports?y=1");

        using (var login = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(page), asBrowser: true))
        {
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);
            Assert.Equal("/_sso/oidc/idp/login?returnUrl=" + Uri.EscapeDataString(page), login.Headers.Location!.OriginalString);
        }

        // From the protected page itself: the gateway's challenge, its sign-in page, the provider, back.
        using var landed = await ProviderFlow.FollowAsync(client, page, "ada", provider.Issuer);
        await ProviderSignInTests.AssertLandedAsync(landed, page);
        Assert.Equal("ada", (await client.GetEchoAsync(GatewayHost.App2, "/reports?y=1")).Header("X-Forwarded-User"));

        // A users.json name is just a name here: there is no password sign-in at all.
        using var post = await client.PostFormAsync(GatewayHost.App1, "/_sso/login",
            new Dictionary<string, string> { ["username"] = "alice", ["password"] = TestUsers.AlicePassword });
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    [Fact]
    public async Task WithoutUsersFile_AndTwoProviders_ThePageOffersBoth_AndNoPasswordForm()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sso:UsersFile"] = "",
            ["Sso:OpenIdConnect:other:Authority"] = provider.Issuer,
            ["Sso:OpenIdConnect:other:ClientId"] = "unregistered",
            ["Sso:OpenIdConnect:other:DisplayName"] = "Other",
        });
        using var client = gateway.Host.CreateClient();

        using var page = await client.GetAsync(GatewayHost.App1, "/_sso/login", asBrowser: true);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(">Sign in with idp</a>", html);
        Assert.Contains(">Sign in with Other</a>", html);
        Assert.DoesNotContain("<form", html);
        Assert.DoesNotContain("name=\"password\"", html);
    }

    [Fact]
    public async Task WithLoginHost_SignInStartsOnTheLoginHost_AndLandsBackOnTheModule()
    {
        const string loginHost = "login.sso.localhost";
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { ["Sso:LoginHost"] = loginHost },
            loginHost: loginHost);
        using var client = gateway.Host.CreateClient();

        using (var moved = await client.GetAsync(GatewayHost.App1, "/_sso/oidc/idp/login?returnUrl=%2Freports", asBrowser: true))
        {
            Assert.Equal(HttpStatusCode.Found, moved.StatusCode);
            Assert.Equal(gateway.Host.Url(loginHost, "/_sso/oidc/idp/login?returnUrl=" + Uri.EscapeDataString(gateway.Host.Url(GatewayHost.App1, "/reports"))),
                moved.Headers.Location!.ToString());
        }

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada", returnUrl: "/reports");
        await ProviderSignInTests.AssertLandedAsync(landed, gateway.Host.Url(GatewayHost.App1, "/reports"));
        Assert.Equal("ada", (await client.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task ProviderRefusesTheRequest_502Page_NotA500()
    {
        // Signing in on a host whose redirect URI the provider does not know (only login.sso.localhost is registered).
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, log: log, loginHost: "login.sso.localhost");
        using var client = gateway.Host.CreateClient();

        using var page = await client.GetAsync(GatewayHost.App1, "/_sso/oidc/idp/login", asBrowser: true);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, page.StatusCode);
        Assert.Contains("refused to start the sign-in", html);
        Assert.DoesNotContain("   at ", html);
        Assert.Contains(log.WithEventId(3105), e => e.Scalar("ProviderError") == "invalid_request");
    }

    [Theory]
    [InlineData("GET", "/_sso/oidc/nope/login")]
    [InlineData("GET", "/_sso/oidc/idp/backchannel-logout")]
    [InlineData("POST", "/_sso/oidc/idp/login")]
    [InlineData("GET", "/_sso/oidc/")]
    [InlineData("GET", "/_sso/oidc/idp/anything/else")]
    public async Task OtherPathsUnderOidc_Are404_AndNeverReachABackend(string method, string path)
    {
        await using var gateway = await ProviderGateway.StartAsync(provider);
        using var client = gateway.Host.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var response = await client.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), gateway.Host.Url(GatewayHost.App1, path)));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("\"backend\"", await response.Content.ReadAsStringAsync());
    }
}
