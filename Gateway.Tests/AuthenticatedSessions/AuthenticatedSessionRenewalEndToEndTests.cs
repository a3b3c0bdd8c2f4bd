using System.Net;
using System.Text.RegularExpressions;
using Gateway.AuthenticatedSessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// Renewal on a real gateway on real Redis, the clock moved by hand: a session past its trust window is answered after
/// one <c>GET</c> (and, when its slide is due, one write) without the framework's path, as who it is; one ended in
/// Redis behind the gateway's back is refused as soon as its trust window ends.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class AuthenticatedSessionRenewalEndToEndTests(RedisServerFixture redis)
{
    [Fact]
    public async Task SessionPastItsTrustWindow_IsRenewedWithOneRead_AndItsSlideWithOneWrite()
    {
        var prefix = $"renew{Guid.NewGuid():N}:";
        var (gateway, time) = await StartAsync(prefix);
        await using var _ = gateway;
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var cache = gateway.Services.GetRequiredService<AuthenticatedSessionCache>();
        await ExpectAliceAsync(alice, "/first");
        await ExpectAliceAsync(alice, "/cached");

        // The trust window (30 s) ends; the slide (due after a minute of the 10-minute idle time) is not due yet.
        time.Advance(TimeSpan.FromSeconds(31));
        var gets = await RedisCallsAsync("get");
        await ExpectAliceAsync(alice, "/renewed");
        Assert.Equal(1, cache.Renewals);
        Assert.Equal(1, await RedisCallsAsync("get") - gets);
        await ExpectAliceAsync(alice, "/cached-again");
        Assert.Equal(1, cache.Renewals);

        // 61 s: the renewal's read is no longer trusted, and the slide is due too: renewed again, the slide written once.
        time.Advance(TimeSpan.FromSeconds(30));
        var writes = await RedisWritesAsync();
        await ExpectAliceAsync(alice, "/slid");
        Assert.Equal(2, cache.Renewals);
        Assert.Equal(1, await RedisWritesAsync() - writes);
        var stored = await redis.CommandAsync("GET", Assert.Single(await redis.KeysAsync(prefix + "s:*")));
        Assert.Contains($"\"l\":{time.GetUtcNow().ToUnixTimeMilliseconds()}", stored);
    }

    /// <summary>What a lost invalidation message looks like: the key deleted in Redis, nobody told.</summary>
    [Fact]
    public async Task SessionEndedBehindTheGatewaysBack_IsRefusedOnceItsTrustWindowEnds()
    {
        var prefix = $"renew{Guid.NewGuid():N}:";
        var (gateway, time) = await StartAsync(prefix);
        await using var _ = gateway;
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        await ExpectAliceAsync(alice, "/first");
        await redis.CommandAsync("DEL", Assert.Single(await redis.KeysAsync(prefix + "s:*")));
        await ExpectAliceAsync(alice, "/still-trusted");

        time.Advance(TimeSpan.FromSeconds(31));

        using var refused = await alice.GetAsync(GatewayHost.App1, "/after-the-window");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(0, gateway.Services.GetRequiredService<AuthenticatedSessionCache>().Renewals);
    }

    private async Task<(GatewayHost Gateway, FakeTimeProvider Time)> StartAsync(string prefix)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = GatewayHost.RedisSettings(redis, prefix);
        settings["Sso:IdleTimeout"] = "00:10:00"; // refresh interval: one minute
        settings["Sso:SessionCacheDuration"] = "00:00:30";
        return (await GatewayHost.StartAsync(settings, services => services.AddSingleton<TimeProvider>(time)), time);
    }

    private static async Task ExpectAliceAsync(GatewayClient client, string path)
    {
        var echoed = await client.GetEchoAsync(GatewayHost.App1, path);
        Assert.Equal(("alice", "staff,admin", path), (echoed.Header("X-Forwarded-User"), echoed.Header("X-Forwarded-Groups"), echoed.Path));
    }

    // A slide writes the record with one SET (its indexes reach further than this test's minutes, so they are not extended).
    private Task<long> RedisWritesAsync() => RedisCallsAsync("set");

    private async Task<long> RedisCallsAsync(string command)
    {
        var stats = await redis.CommandAsync("INFO", "commandstats");
        var match = Regex.Match(stats, $@"cmdstat_{command}:calls=(\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value) : 0;
    }
}
