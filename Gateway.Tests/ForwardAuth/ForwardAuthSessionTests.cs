using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.ForwardAuth;

/// <summary>
/// Forward-auth is the same session check as a proxied request: sliding expiry moves with forward-auth requests alone,
/// sign-out and admin revocation (on another instance) end it at once, and it costs Redis no more reads.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ForwardAuthSessionTests(RedisServerFixture redis)
{
    [Fact]
    public async Task ForwardAuthRequestsAlone_SlideTheIdleExpiry_NeverPastItsEnd()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = GatewayHost.RedisSettings(redis);
        settings["Sso:IdleTimeout"] = "01:00:00";
        settings["Sso:AbsoluteTimeout"] = "02:00:00";
        await using var gateway = await GatewayHost.StartAsync(settings, services => services.AddSingleton<TimeProvider>(time));
        using var proxy = new ForwardAuthRequests(gateway);
        var cookie = await ForwardAuthRequests.SessionCookieAsync(gateway, TestUsers.Bob);

        for (var i = 0; i < 2; i++)
        {
            time.Advance(TimeSpan.FromMinutes(50));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxy, cookie));
        }
        time.Advance(TimeSpan.FromMinutes(30)); // 130 minutes: past the absolute expiry, though used 30 minutes ago

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(proxy, cookie));
    }

    [Fact]
    public async Task UnusedSession_IsRefusedAfterTheIdleTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync(services: services => services.AddSingleton<TimeProvider>(time));
        using var proxy = new ForwardAuthRequests(gateway);
        var cookie = await ForwardAuthRequests.SessionCookieAsync(gateway, TestUsers.Bob);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxy, cookie));

        time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(proxy, cookie));
    }

    [Fact]
    public async Task SignOut_EndsTheSessionForForwardAuth()
    {
        await using var gateway = await GatewayHost.StartAsync(GatewayHost.RedisSettings(redis));
        using var proxy = new ForwardAuthRequests(gateway);
        using var browser = gateway.CreateClient();
        (await browser.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var cookie = $"sso_session={browser.SessionCookie()!.Value}";
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxy, cookie));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxy, cookie));

        (await browser.SignOutAsync(GatewayHost.App1)).Dispose();

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(proxy, cookie));
    }

    [Fact]
    public async Task AdminRevocationOnA_IsRefusedByForwardAuthOnB_AtOnce()
    {
        // A minute of cache trust: only the invalidation message can explain a refusal within the poll's few seconds.
        await using var instances = await TwoInstances.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Sso:SessionCacheDuration"] = "00:01:00",
            ["Sso:AdminPolicy"] = "admins",
            ["Sso:LoginHost"] = GatewayHost.Login,
        });
        using var proxyOfB = new ForwardAuthRequests(instances.B);
        var bob = await ForwardAuthRequests.SessionCookieAsync(instances.B, TestUsers.Bob);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxyOfB, bob));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxyOfB, bob));
        using var admin = instances.A.CreateClient();
        (await admin.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, instances.A.Url(GatewayHost.Login, "/_sso/admin/users/bob/sessions"));
        revoke.Headers.Accept.ParseAdd("application/json");
        using (var response = await admin.Http.SendAsync(revoke))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Poll.UntilAsync(async () => await StatusAsync(proxyOfB, bob) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(5), "forward-auth on B refuses the revoked session");
    }

    [Fact]
    public async Task ManyForwardAuthRequests_ReadRedisNoMoreThanProxiedRequests()
    {
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(GatewayHost.RedisSettings(redis)) { ["Sso:SessionCacheDuration"] = "00:01:00" });
        using var proxy = new ForwardAuthRequests(gateway);
        var cookie = await ForwardAuthRequests.SessionCookieAsync(gateway, TestUsers.Alice);
        var before = await RedisCallsAsync("get");

        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(proxy, cookie, i % 2 == 0 ? "?policy=admins" : ""));
        }

        // As SessionCacheEndToEndTests measures for proxied requests: one read per trust window, a handful at most
        // (other tests may share this Redis).
        Assert.InRange(await RedisCallsAsync("get") - before, 0, 5);
    }

    private static async Task<HttpStatusCode> StatusAsync(ForwardAuthRequests proxy, string cookie, string query = "")
    {
        using var response = await proxy.AskAsync(query, cookie, asBrowser: false);
        return response.StatusCode;
    }

    private async Task<long> RedisCallsAsync(string command)
    {
        var stats = await redis.CommandAsync("INFO", "commandstats");
        var match = Regex.Match(stats, $@"cmdstat_{command}:calls=(\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value) : 0;
    }
}
