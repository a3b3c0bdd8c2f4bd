using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary><c>Sso:PathPrefix</c> and <c>Sso:CookieName</c> move the gateway's own endpoints and rename its cookie everywhere.</summary>
public sealed class CustomPrefixAndCookieNameTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Sso:PathPrefix"] = "/auth",
        ["Sso:CookieName"] = "corp_sid",
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task SignInUnderThePrefix_SetsTheNamedCookie_WhichNeverReachesBackends()
    {
        using var client = _gateway.CreateClient();
        using var challenge = await client.GetAsync(GatewayHost.App1, "/x", asBrowser: true);
        Assert.StartsWith(_gateway.Url(GatewayHost.App1, "/auth/login?returnUrl="), challenge.Headers.Location!.ToString());

        using var form = await client.GetAsync(GatewayHost.App1, "/auth/login", asBrowser: true);
        var token = GatewayClient.FormToken(await form.Content.ReadAsStringAsync());
        using var signIn = await client.PostFormAsync(GatewayHost.App1, "/auth/login",
            GatewayClient.SignInForm(token, "bob", TestUsers.BobPassword, returnUrl: "/x"));

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.NotNull(client.SessionCookie(GatewayHost.App2, "corp_sid"));
        Assert.Null(client.SessionCookie(GatewayHost.App2, "sso_session"));
        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/y", new Dictionary<string, string> { ["Cookie"] = "theme=dark" });
        Assert.Equal("bob", echoed.Header("X-Forwarded-User"));
        Assert.DoesNotContain("corp_sid", echoed.Header("Cookie") ?? "");
    }

    [Fact]
    public async Task OldPrefix_IsAnOrdinaryProtectedPath_AndHealthMovesToo()
    {
        using var client = _gateway.CreateClient();

        using var oldLogin = await client.GetAsync(GatewayHost.App1, "/_sso/login");
        Assert.Equal(HttpStatusCode.Unauthorized, oldLogin.StatusCode);
        using var health = await client.GetAsync(GatewayHost.App1, "/auth/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
