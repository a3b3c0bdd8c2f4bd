using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>With <c>Sso:LoginHost</c> every sign-in happens on one host, and the domain-wide cookie it sets serves every module.</summary>
public sealed class LoginHostTests : IAsyncLifetime
{
    private const string LoginHost = "login.sso.localhost";

    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Sso:LoginHost"] = LoginHost });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task BrowserWithoutSession_IsSentToTheLoginHost_AndSigningInThereServesTheModule()
    {
        using var client = _gateway.CreateClient();
        using var challenge = await client.GetAsync(GatewayHost.App1, "/reports?y=2026", asBrowser: true);

        Assert.Equal(HttpStatusCode.Found, challenge.StatusCode);
        var original = _gateway.Url(GatewayHost.App1, "/reports?y=2026");
        Assert.Equal(_gateway.Url(LoginHost, "/_sso/login?returnUrl=" + Uri.EscapeDataString(original)), challenge.Headers.Location!.ToString());

        using var signIn = await client.SignInAsync(LoginHost, TestUsers.Bob, original);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal(original, signIn.Headers.Location!.ToString());
        Assert.Equal("bob", (await client.GetEchoAsync(GatewayHost.App1, "/reports?y=2026")).Header("X-Forwarded-User"));
        Assert.Equal("bob", (await client.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task ApiCallWithoutSession_Gets401_NamingTheLoginHost()
    {
        using var client = _gateway.CreateClient();
        using var response = await client.GetAsync(GatewayHost.App2, "/api/items");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains($"\"login\":\"http://{LoginHost}:{_gateway.Port}/_sso/login", await response.Content.ReadAsStringAsync());
    }
}
