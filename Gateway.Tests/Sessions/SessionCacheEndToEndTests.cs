using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Sessions;

/// <summary>
/// The per-instance session cache in front of Redis: it keeps Redis off the hot path, yet a sign-out or an
/// operator's revocation on any instance is refused by every other instance at once (pub/sub), not only when the
/// cache's trust window ends. The window is set to a minute here so only the invalidation message can explain a refusal
/// within the few seconds the tests allow (a loaded machine may be slow to answer at all).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SessionCacheEndToEndTests(RedisServerFixture redis)
{
    private static readonly Dictionary<string, string?> LongTrust = new()
    {
        ["Sso:SessionCacheDuration"] = "00:01:00",
        ["Sso:AdminPolicy"] = "admins",
        ["Sso:LoginHost"] = GatewayHost.Login,
    };

    [Fact]
    public async Task SignOutOnA_CookieCachedOnB_IsRefusedByBAtOnce()
    {
        await using var instances = await TwoInstances.StartAsync(redis, LongTrust);
        using var alice = instances.A.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var aliceOnB = TwoInstances.SameBrowser(instances.B, alice);
        Assert.Equal("alice", (await aliceOnB.GetEchoAsync(GatewayHost.App2, "/cached-on-b")).Header("X-Forwarded-User"));

        using (var signOut = await alice.SignOutAsync(GatewayHost.App1))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }

        await Poll.UntilAsync(async () =>
        {
            using var response = await aliceOnB.GetAsync(GatewayHost.App2, "/after-sign-out");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(5), "instance B refuses the signed-out cookie");
    }

    [Fact]
    public async Task AdminRevokesUserOnA_SessionCachedOnB_IsRefusedByBAtOnce()
    {
        await using var instances = await TwoInstances.StartAsync(redis, LongTrust);
        using var bob = instances.B.CreateClient();
        (await bob.SignInAsync(GatewayHost.App2, TestUsers.Bob)).Dispose();
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App2, "/cached-on-b")).Header("X-Forwarded-User"));
        using var admin = instances.A.CreateClient();
        (await admin.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        var request = new HttpRequestMessage(HttpMethod.Delete, instances.A.Url(GatewayHost.Login, "/_sso/admin/users/bob/sessions"));
        request.Headers.Accept.ParseAdd("application/json");
        using (var revoke = await admin.Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        await Poll.UntilAsync(async () =>
        {
            using var response = await bob.GetAsync(GatewayHost.App2, "/after-revocation");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(5), "instance B refuses the revoked session");
    }

    [Fact]
    public async Task ManyRequestsOfOneSession_ReadRedisOnlyOncePerTrustWindow()
    {
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(GatewayHost.RedisSettings(redis)) { ["Sso:SessionCacheDuration"] = "00:01:00" });
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var before = await RedisGetCallsAsync();

        for (var i = 0; i < 200; i++)
        {
            using var response = await alice.GetAsync(GatewayHost.App1, $"/api/items/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Other tests may share this Redis; a handful of reads is the most this gateway itself can account for.
        Assert.InRange(await RedisGetCallsAsync() - before, 0, 5);
    }

    /// <summary>
    /// A session ended behind the gateway's back (its key deleted, no message: what a lost message looks like) is
    /// served while the cache may trust it; once the instance stops hearing its invalidation channel (here its
    /// subscription is dropped, which no connection event reports), it trusts nothing within the listening window,
    /// however long the trust window: the session is refused in seconds, not at the trust window's end.
    /// </summary>
    [Fact]
    public async Task InstanceThatStopsHearingItsChannel_TrustsNothing_WithinTheListeningWindow()
    {
        var prefix = $"deaf{Guid.NewGuid():N}:";
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(GatewayHost.RedisSettings(redis, prefix)) { ["Sso:SessionCacheDuration"] = "00:01:00" });
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App1, "/cached")).Header("X-Forwarded-User"));

        var sessions = await redis.KeysAsync(prefix + "s:*");
        Assert.Single(sessions);
        foreach (var key in sessions)
        {
            await redis.CommandAsync("DEL", key);
        }
        // Still trusted: nothing told this instance, and it still hears its channel.
        Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App1, "/still-cached")).Header("X-Forwarded-User"));

        var multiplexer = gateway.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        await multiplexer.GetSubscriber().UnsubscribeAllAsync();

        var deaf = System.Diagnostics.Stopwatch.StartNew();
        await Poll.UntilAsync(async () =>
        {
            using var response = await alice.GetAsync(GatewayHost.App1, "/after");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(15), "the deaf instance stops trusting its cached session");
        Assert.True(deaf.Elapsed < TimeSpan.FromSeconds(30), $"refused after {deaf.Elapsed}, not at the trust window's end");
    }

    [Fact]
    public async Task CacheOff_EveryRequestAsksRedis()
    {
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string?>(GatewayHost.RedisSettings(redis)) { ["Sso:SessionCacheDuration"] = "00:00:00" });
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var before = await RedisGetCallsAsync();

        for (var i = 0; i < 20; i++)
        {
            using var response = await alice.GetAsync(GatewayHost.App1, $"/api/items/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(await RedisGetCallsAsync() - before >= 20);
    }

    [Fact]
    public async Task BusySession_WhenItsSlidingRefreshIsDue_IsWrittenOnceNotOncePerRequest()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = GatewayHost.RedisSettings(redis);
        settings["Sso:IdleTimeout"] = "00:10:00"; // refresh interval: one minute
        await using var gateway = await GatewayHost.StartAsync(settings, services => services.AddSingleton<TimeProvider>(time));
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        time.Advance(TimeSpan.FromMinutes(2));
        var before = await RedisCallsAsync("set");

        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => alice.GetAsync(GatewayHost.App1, $"/api/items/{i}")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Array.ForEach(responses, r => r.Dispose());
        // One write slides the session; a request scheduled late may repeat it, never one write per request.
        Assert.InRange(await RedisCallsAsync("set") - before, 1, 3);
    }

    /// <summary>
    /// A session another instance signed in is read from Redis here as copies of its strings; held in this
    /// instance's caches, it points at the users file's account instead (as Program.cs wires it), saying the same.
    /// </summary>
    [Fact]
    public async Task SessionReadFromRedis_IsHeldWithTheUsersFileAccountsStrings()
    {
        await using var instances = await TwoInstances.StartAsync(redis, LongTrust);
        using var alice = instances.A.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var aliceOnB = TwoInstances.SameBrowser(instances.B, alice);

        var echo = await aliceOnB.GetEchoAsync(GatewayHost.App2, "/read-on-b");

        Assert.Equal(("alice", "staff,admin"), (echo.Header("X-Forwarded-User"), echo.Header("X-Forwarded-Groups")));
        var account = instances.B.Services.GetRequiredService<Gateway.Identity.UserDirectory>().Find("alice")!;
        Assert.True(instances.B.Services.GetRequiredService<Gateway.AuthenticatedSessions.AuthenticatedSessionCache>()
            .TryGet(alice.SessionCookie()!.Value, out var held));
        Assert.Same(account.Email, held.Record.Email);
        Assert.Same(account.Name, held.Record.Name);
        Assert.Same(account.Groups, held.Record.Groups);
        Assert.Same(account.Stamp, held.Record.AccountStamp);
        // And at the pool's copy of what no account holds (the address it signed in from).
        Assert.NotNull(held.Record.ClientAddress);
        Assert.Same(Gateway.Sessions.SharedStrings.Default.Share(new string(held.Record.ClientAddress)), held.Record.ClientAddress);
    }

    private Task<long> RedisGetCallsAsync() => RedisCallsAsync("get");

    private async Task<long> RedisCallsAsync(string command)
    {
        var stats = await redis.CommandAsync("INFO", "commandstats");
        var match = Regex.Match(stats, $@"cmdstat_{command}:calls=(\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value) : 0;
    }
}
