using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// Sign-in at a real OpenID provider (oidc-provider) with the code flow and PKCE, over real sockets: the person lands
/// on the return URL signed in on every subdomain, and backends get identity headers from the provider's claims.
/// </summary>
[Collection(OpenIdProviderCollection.Name)]
public sealed class ProviderSignInTests(OpenIdProviderFixture provider, RedisServerFixture redis)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CodeFlow_LandsOnReturnUrl_SignedInOnApp1AndApp2_WithHeadersFromClaims(bool inRedis)
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, redis: inRedis ? redis : null);
        using var client = gateway.Host.CreateClient();
        var returnUrl = gateway.Host.Url(GatewayHost.App1, "/somepage?x=1");

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada", returnUrl: returnUrl);

        Assert.True(landed.StatusCode == HttpStatusCode.Found, $"{landed.RequestMessage!.RequestUri}: {(int)landed.StatusCode} {await landed.Content.ReadAsStringAsync()}");
        Assert.Equal(returnUrl, landed.Headers.Location!.ToString());
        Assert.NotNull(client.SessionCookie());
        foreach (var host in new[] { GatewayHost.App1, GatewayHost.App2 })
        {
            var echoed = await client.GetEchoAsync(host, "/somepage");
            Assert.Equal("ada", echoed.Header("X-Forwarded-User"));
            Assert.Equal("ada@idp.test", echoed.Header("X-Forwarded-Email"));
            Assert.Equal("Ada Lovelace", echoed.Header("X-Forwarded-Name"));
            Assert.Equal("staff,admin", echoed.Header("X-Forwarded-Groups"));
        }
    }
}
