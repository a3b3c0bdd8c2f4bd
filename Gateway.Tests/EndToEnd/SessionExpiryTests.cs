using System.Net;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>Idle expiry slides with use, never past the absolute expiry (SPEC §6), on a fake clock.</summary>
public abstract class SessionExpiryTests : GatewayTestBase
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    protected override Task<GatewayHost> StartDefaultGatewayAsync() => StartGatewayAsync(
        new Dictionary<string, string?> { ["Sso:IdleTimeout"] = "01:00:00", ["Sso:AbsoluteTimeout"] = "02:00:00" },
        services => services.AddSingleton<TimeProvider>(_time));

    [Fact]
    public async Task UnusedSession_IsSignedOutAfterTheIdleTimeout()
    {
        using var client = await SignedInAsync();
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));

        _time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client));
        using var page = await client.GetAsync(GatewayHost.App1, "/", asBrowser: true);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
    }

    [Fact]
    public async Task UsedSession_SlidesPastTheFirstIdleTimeout()
    {
        using var client = await SignedInAsync();

        _time.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        _time.Advance(TimeSpan.FromMinutes(50));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
    }

    [Fact]
    public async Task SessionInSteadyUse_KeepsSlidingItsIdleExpiry()
    {
        // A short idle time (refresh every 3 s) whose steps stay within the minute a cookie's authentication is reused:
        // every request after a step must still slide the expiry, or the session would end at the first 30 s.
        var gateway = await StartGatewayAsync(
            new Dictionary<string, string?> { ["Sso:IdleTimeout"] = "00:00:30", ["Sso:SessionCacheDuration"] = "00:00:01" },
            services => services.AddSingleton<TimeProvider>(_time));
        using var client = gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        }
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client));
    }

    [Fact]
    public async Task UsedSession_EndsAtTheAbsoluteTimeout()
    {
        using var client = await SignedInAsync();
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(39));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        }

        _time.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client));
    }

    private async Task<GatewayClient> SignedInAsync()
    {
        var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Bob);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(GatewayClient client)
    {
        using var response = await client.GetAsync(GatewayHost.App2, "/api/me");
        return response.StatusCode;
    }
}

public sealed class SessionExpiryTests_InMemory : SessionExpiryTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class SessionExpiryTests_Redis(RedisServerFixture redis) : SessionExpiryTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
