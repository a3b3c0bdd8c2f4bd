using System.Diagnostics;
using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Sessions;

/// <summary>
/// Redis frozen, killed, restarted empty or absent at startup: the gateway fails closed (503, never a request let
/// through unchecked, never a 500), keeps public routes working, and recovers by itself.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StoreFaultTests(RedisServerFixture redis)
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromMilliseconds(500);

    // Not a benchmark: only proves that a request does not hang on a store that does not answer.
    private static readonly TimeSpan Bound = StoreTimeout + TimeSpan.FromSeconds(4);

    /// <summary>
    /// A session checked less than <c>Sso:SessionCacheDuration</c> (1 s) ago is still vouched for by the instance's
    /// cache; once that window has passed, the store must answer, so with Redis frozen the answer is 503.
    /// </summary>
    private static Task UntilCacheStopsVouchingAsync(GatewayClient client) =>
        Poll.UntilAsync(async () =>
        {
            using var response = await client.GetAsync(GatewayHost.App1, "/api/items");
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"got {(int)response.StatusCode}");
            return response.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(1) + Bound, "the cached session is no longer trusted without the store");

    private static Dictionary<string, string?> Settings(string connectionString) => new()
    {
        ["Sso:Redis"] = connectionString,
        ["Sso:RedisKeyPrefix"] = $"t{Guid.NewGuid():N}:",
        ["Sso:StoreTimeout"] = StoreTimeout.ToString(),
    };

    [Fact]
    public async Task RedisFrozen_SessionRequestsGet503InBoundedTime_PublicRoutesForwardAnonymously_ThenRecoverAfterThaw()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(redis.ConnectionString));
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var anonymous = gateway.CreateClient();

        redis.Freeze();
        try
        {
            await UntilCacheStopsVouchingAsync(alice);
            await AssertStatusWithinBound(alice.GetAsync(GatewayHost.App1, "/api/items"), HttpStatusCode.ServiceUnavailable);
            await AssertStatusWithinBound(alice.GetAsync(GatewayHost.App2, "/page", asBrowser: true), HttpStatusCode.ServiceUnavailable);
            await AssertStatusWithinBound(alice.GetAsync(GatewayHost.App1, "/_sso/userinfo"), HttpStatusCode.ServiceUnavailable);
            await AssertStatusWithinBound(anonymous.GetAsync(GatewayHost.App1, "/_sso/readyz"), HttpStatusCode.ServiceUnavailable);

            // A public route is forwarded, without identity, whether or not the request carries a session cookie.
            var withCookie = await alice.GetEchoAsync(GatewayHost.App1, "/public/news", new Dictionary<string, string> { ["X-Forwarded-User"] = "mallory" });
            Assert.Null(withCookie.Header("X-Forwarded-User"));
            var withoutCookie = await anonymous.GetEchoAsync(GatewayHost.App1, "/public/news");
            Assert.Null(withoutCookie.Header("X-Forwarded-User"));

            // Without a cookie nothing needs the store: the answer is the usual one.
            using var noCookie = await anonymous.GetAsync(GatewayHost.App1, "/api/items");
            Assert.Equal(HttpStatusCode.Unauthorized, noCookie.StatusCode);

            // Signing in needs the store too.
            using var signIn = await anonymous.SignInAsync(GatewayHost.App1, TestUsers.Bob);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
            Assert.Null(anonymous.SessionCookie());
        }
        finally
        {
            redis.Thaw();
        }

        await Poll.UntilAsync(async () =>
        {
            using var response = await alice.GetAsync(GatewayHost.App1, "/api/items");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "the gateway serves alice again after the thaw");
        Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App1, "/after")).Header("X-Forwarded-User"));
        using var ready = await anonymous.GetAsync(GatewayHost.App1, "/_sso/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task RedisFrozen_OnceATimeoutShowedIt_RequestsFailAtOnce_UntilRedisAnswersAgain()
    {
        var settings = Settings(redis.ConnectionString);
        settings["Sso:StoreTimeout"] = "00:00:05";
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        redis.Freeze();
        try
        {
            // The first request the cache cannot vouch for waits the store timeout (5 s) and gets 503.
            await Poll.UntilAsync(async () =>
            {
                using var response = await alice.GetAsync(GatewayHost.App1, "/api/items");
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, TimeSpan.FromSeconds(20), "a request times out on the frozen store");

            // From then on no request waits for it: all of these are answered well within one store timeout.
            var started = Stopwatch.GetTimestamp();
            var protectedRoutes = Enumerable.Range(0, 8).Select(async i =>
            {
                using var response = await alice.GetAsync(GatewayHost.App1, $"/api/items/{i}");
                return response.StatusCode;
            });
            var statuses = await Task.WhenAll(protectedRoutes);
            var publicRoute = await alice.GetEchoAsync(GatewayHost.App1, "/public/news");
            var elapsed = Stopwatch.GetElapsedTime(started);

            Assert.All(statuses, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
            Assert.Null(publicRoute.Header("X-Forwarded-User"));
            Assert.True(elapsed < TimeSpan.FromSeconds(2.5), $"answered in {elapsed.TotalSeconds:0.0} s while the store timeout is 5 s");
        }
        finally
        {
            redis.Thaw();
        }

        await Poll.UntilAsync(async () =>
        {
            using var response = await alice.GetAsync(GatewayHost.App1, "/api/items");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "the gateway serves alice again once Redis answers");
    }

    [Fact]
    public async Task SignOutWhileRedisFrozen_Answers503AndKeepsTheCookie_SignOutAfterThawEndsTheSession()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(redis.ConnectionString));
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var cookie = alice.SessionCookie()!.Value;

        redis.Freeze();
        try
        {
            await UntilCacheStopsVouchingAsync(alice);
            using var signOut = await alice.SignOutAsync(GatewayHost.App1);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signOut.StatusCode);
            Assert.Equal(cookie, alice.SessionCookie()?.Value);
        }
        finally
        {
            redis.Thaw();
        }

        await Poll.UntilAsync(async () =>
        {
            using var response = await alice.GetAsync(GatewayHost.App1, "/api/items");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "alice's session is usable again after the thaw");
        using (var signOut = await alice.SignOutAsync(GatewayHost.App1))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }
        using var replay = gateway.CreateClient();
        replay.Cookies.Add(new Uri(gateway.Url(GatewayHost.App1)), new Cookie("sso_session", cookie));
        using var replayed = await replay.GetAsync(GatewayHost.App1, "/api/items");
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    [Fact]
    public async Task RedisRestartedEmpty_OldCookiesAreSignedOut_NewSignInsWorkOnEveryInstance_OldAndNew()
    {
        var settings = Settings(redis.ConnectionString);
        await using var a = await GatewayHost.StartAsync(settings);
        await using var b = await GatewayHost.StartAsync(settings);
        using var alice = a.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        await redis.KillAsync();
        await redis.StartAsync();

        await Poll.UntilAsync(async () =>
        {
            using var response = await alice.GetAsync(GatewayHost.App1, "/api/items");
            return response.StatusCode != HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(15), "the gateway reaches the restarted Redis");
        using (var old = await alice.GetAsync(GatewayHost.App1, "/api/items"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }
        using (var oldPage = await alice.GetAsync(GatewayHost.App1, "/page", asBrowser: true))
        {
            Assert.Equal(HttpStatusCode.Found, oldPage.StatusCode);
        }

        using var bob = a.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        using var bobOnB = b.CreateClient();
        bobOnB.Cookies.Add(bob.Cookies.GetAllCookies());
        // Each instance reconnects, and restores the key ring, on its own schedule: B may still be reconnecting, or
        // not yet know a key A created while Redis was empty.
        await Poll.UntilAsync(async () =>
        {
            using var response = await bobOnB.GetAsync(GatewayHost.App2, "/api/items");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "instance B serves a session created on A after the restart");
        Assert.Equal("bob", (await bobOnB.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));

        // The key ring vanished with Redis's data; the running instances put their keys back, so an instance
        // started afterwards reads the same ring and accepts their cookies.
        var ringKey = settings["Sso:RedisKeyPrefix"] + "dataprotection-keys";
        await Poll.UntilAsync(async () => (await redis.CommandAsync("LLEN", ringKey)).StartsWith(":1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the running instances restored the key ring");
        await using var c = await GatewayHost.StartAsync(settings);
        using var bobOnC = c.CreateClient();
        bobOnC.Cookies.Add(bob.Cookies.GetAllCookies());
        Assert.Equal("bob", (await bobOnC.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task RedisAbsentAtStartup_GatewayStartsNotReady_AndRecoversWhenRedisAppears()
    {
        var late = new RedisServerFixture();
        await late.InitializeAsync();
        await late.KillAsync();
        try
        {
            await using var gateway = await GatewayHost.StartAsync(Settings(late.ConnectionString));
            using var client = gateway.CreateClient();

            using (var ready = await client.GetAsync(GatewayHost.App1, "/_sso/readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            }
            using (var health = await client.GetAsync(GatewayHost.App1, "/_sso/healthz"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            // The sign-in form needs the Data Protection key ring, which lives in the absent Redis: 503, not 500.
            using (var form = await client.GetAsync(GatewayHost.App1, "/_sso/login", asBrowser: true))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, form.StatusCode);
            }
            Assert.Null((await client.GetEchoAsync(GatewayHost.App1, "/public/x")).Header("X-Forwarded-User"));

            await late.StartAsync();

            await Poll.UntilAsync(async () =>
            {
                using var ready = await client.GetAsync(GatewayHost.App1, "/_sso/readyz");
                return ready.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(15), "readyz turns 200 once Redis is up");
            // The Data Protection key ring is loaded from Redis on its own schedule, a moment after Redis answers.
            await Poll.UntilAsync(async () =>
            {
                using var form = await client.GetAsync(GatewayHost.App1, "/_sso/login", asBrowser: true);
                return form.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(15), "the sign-in form works once the key ring is readable");
            using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice);
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
            Assert.Equal("alice", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        }
        finally
        {
            await late.DisposeAsync();
        }
    }

    private static async Task AssertStatusWithinBound(Task<HttpResponseMessage> request, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        using var response = await request;
        Assert.Equal(expected, response.StatusCode);
        Assert.True(clock.Elapsed < Bound, $"answered after {clock.Elapsed.TotalSeconds:0.0} s, more than {Bound.TotalSeconds} s");
    }
}
