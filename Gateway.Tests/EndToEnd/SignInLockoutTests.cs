using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>SPEC §9 lockout over real sockets, run once per store. Every client here comes from 127.0.0.1.</summary>
public abstract class SignInLockoutTests : GatewayTestBase
{
    /// <summary>The documented defaults (5 failures in 15 minutes), which the test host otherwise raises.</summary>
    private protected static Dictionary<string, string?> LockoutDefaults(IDictionary<string, string?>? overrides = null) =>
        TestSettings.Merge(new Dictionary<string, string?> { ["Sso:Lockout:MaxFailures"] = "5", ["Sso:Lockout:Window"] = "00:15:00" }, overrides);

    protected override Task<GatewayHost> StartDefaultGatewayAsync() => StartGatewayAsync(LockoutDefaults());

    [Fact]
    public async Task PasswordGuessing_SixthAttemptWithRightPassword_Is429WithRetryAfter()
    {
        var gateway = Gateway;
        using var client = gateway.CreateClient();
        await FailAsync(client, "alice", times: 5);

        using var response = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15));
        Assert.Null(client.SessionCookie());
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Too many failed sign-ins", html);
        Assert.Contains("name=\"password\"", html);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PasswordGuessing_CaseAndSpaceVariantsOfTheName_ShareOneCounter()
    {
        var gateway = await StartGatewayAsync(LockoutDefaults(new Dictionary<string, string?> { ["Sso:Lockout:MaxFailures"] = "3" }));
        using var first = gateway.CreateClient();
        await FailAsync(first, "Alice", times: 1);
        await FailAsync(first, " ALICE ", times: 1);
        await FailAsync(first, "alice", times: 1);

        using var response = await first.SignInAsync(GatewayHost.App1, "aLiCe", TestUsers.AlicePassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task ParallelPasswordGuessing_NeverGetsMoreThanMaxFailuresGuesses()
    {
        var gateway = Gateway;
        using var client = gateway.CreateClient();
        var tokens = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            tokens.Add(await client.GetSignInTokenAsync(GatewayHost.App1));
        }

        var responses = await Task.WhenAll(tokens.Select((token, i) => client.PostSignInAsync(GatewayHost.App1, token, "alice", "guess-" + i)));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }
        // The username and address counters are separate keys, so racing attempts can see them in different orders:
        // the limit may then bite one or two guesses early, never late.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 1, 5);
        Assert.Equal(20, statuses.Count(s => s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task PasswordSpraying_OtherUsernameFromSameAddress_IsLockedByAddress()
    {
        var gateway = Gateway;
        using var client = gateway.CreateClient();
        string[] names = ["alice", "bob", "nobody", "carol", "zed"];
        foreach (var name in names)
        {
            await FailAsync(client, name, times: 1);
        }

        using var other = gateway.CreateClient();
        using var response = await other.SignInAsync(GatewayHost.App1, TestUsers.Bob);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task SuccessfulSignIn_DoesNotResetTheAddressCounter()
    {
        var gateway = Gateway;
        using var attacker = gateway.CreateClient();
        await FailAsync(attacker, "alice", times: 4);

        using var bob = gateway.CreateClient();
        using (var signIn = await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob))
        {
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        }
        await FailAsync(attacker, "zhang", times: 1);

        using var response = await gateway.CreateClient().SignInAsync(GatewayHost.App1, TestUsers.Zhang);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task AfterTheWindow_SignInWorksAgain()
    {
        var gateway = await StartGatewayAsync(LockoutDefaults(new Dictionary<string, string?>
        {
            ["Sso:Lockout:MaxFailures"] = "2",
            ["Sso:Lockout:Window"] = "00:00:02",
        }));
        using var client = gateway.CreateClient();
        await FailAsync(client, "alice", times: 2);
        using (var locked = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            Assert.InRange(locked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        }

        // Each refused attempt is counted too, but never extends the window: the lock ends with it.
        await Poll.UntilAsync(async () =>
        {
            using var attempt = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice);
            return attempt.StatusCode == HttpStatusCode.Found;
        }, TimeSpan.FromSeconds(10), "the lockout window has ended and alice can sign in");

        using var page = await client.GetAsync(GatewayHost.App1, "/_sso/userinfo");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    /// <summary>Wrong-password sign-ins through the real form, each answered 401.</summary>
    internal static async Task FailAsync(GatewayClient client, string username, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await client.SignInAsync(GatewayHost.App1, username, "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }
}

public sealed class SignInLockoutTests_InMemory : SignInLockoutTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];

    /// <summary>A name the users file does not have counts towards its own lockout like one it has (LDAP and SQL: their tests).</summary>
    [Theory]
    [InlineData("alice", TestUsers.AlicePassword)]
    [InlineData("mallory", "guess")]
    public async Task UsersFile_UnknownNames_AreCountedLikeKnownOnes(string username, string thirdPassword)
    {
        var (status, lockedBy) = await LockoutProbe.ThirdAttemptAsync(new Dictionary<string, string?>(), username, thirdPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("Username", lockedBy);
    }
}

[Collection(RedisCollection.Name)]
public sealed class SignInLockoutTests_Redis(RedisServerFixture redis) : SignInLockoutTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);

    [Fact]
    public async Task TwoInstancesSharingRedis_AddUpFailures()
    {
        var settings = GatewayHost.RedisSettings(redis);
        settings["Sso:Lockout:MaxFailures"] = "5";
        await using var first = await GatewayHost.StartAsync(settings);
        await using var second = await GatewayHost.StartAsync(settings, sharedContentRoot: first.ContentRoot);
        using var onFirst = first.CreateClient();
        using var onSecond = second.CreateClient();
        await FailAsync(onFirst, "alice", times: 3);
        await FailAsync(onSecond, "alice", times: 2);

        using var response = await onFirst.SignInAsync(GatewayHost.App1, TestUsers.Alice);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task StoreDown_DuringSignIn_Is503_NeverASession()
    {
        var settings = GatewayHost.RedisSettings(redis);
        settings["Sso:StoreTimeout"] = "00:00:00.500";
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var client = gateway.CreateClient();
        var token = await client.GetSignInTokenAsync(GatewayHost.App1);

        redis.Freeze();
        try
        {
            using var response = await client.PostSignInAsync(GatewayHost.App1, token, TestUsers.Alice);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Null(client.SessionCookie());
        }
        finally
        {
            redis.Thaw();
        }
    }
}
