using System.Net;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Gateway.Tests.Assertion;

/// <summary>
/// The signed identity for backends (<c>Sso:Assertion</c>), checked by an independent verifier (Node's jose reading
/// the key set over HTTP), with the keys in a real Redis.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class IdentityAssertionTests(RedisServerFixture redis)
{
    private const string Header = "X-Sso-Assertion";
    private const string Issuer = "https://sso.test";

    private Dictionary<string, string?> Settings(string? lifetime = null, string? rotation = null)
    {
        var settings = GatewayHost.RedisSettings(redis);
        settings["Sso:Assertion:Header"] = Header;
        settings["Sso:Assertion:Issuer"] = Issuer;
        if (lifetime is not null)
        {
            settings["Sso:Assertion:Lifetime"] = lifetime;
        }
        if (rotation is not null)
        {
            settings["Sso:Assertion:KeyRotation"] = rotation;
        }
        return settings;
    }

    private static JoseVerifier VerifierOf(GatewayHost gateway) =>
        JoseVerifier.Start($"http://127.0.0.1:{gateway.Port}/_sso/jwks.json", Issuer);

    private static async Task<string> TokenAsync(GatewayClient client, string host, string path = "/")
    {
        var echoed = await client.GetEchoAsync(host, path);
        return echoed.Header(Header) ?? throw new Xunit.Sdk.XunitException($"the backend at {host} got no {Header}");
    }

    [Fact]
    public async Task Backend_GetsASignedIdentity_ThatAnIndependentVerifierAccepts()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var verifier = VerifierOf(gateway);
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        var token = await TokenAsync(alice, GatewayHost.App1);
        var verdict = await verifier.VerifyAsync(token, GatewayHost.App1);

        Assert.True(verdict.Ok, verdict.Error);
        Assert.Equal("ES256", verdict.Header.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(verdict.Header.GetProperty("kid").GetString()));
        var payload = verdict.Payload;
        Assert.Equal("alice", payload.GetProperty("sub").GetString());
        Assert.Equal("alice@example.com", payload.GetProperty("email").GetString());
        Assert.Equal("Alice Admin", payload.GetProperty("name").GetString());
        Assert.Equal(["staff", "admin"], payload.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToArray());
        Assert.Equal(Issuer, payload.GetProperty("iss").GetString());
        Assert.Equal(GatewayHost.App1, payload.GetProperty("aud").GetString());
        var lifetime = payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64();
        Assert.InRange(lifetime, 1, 60);
        Assert.True(payload.GetProperty("jti").GetString()!.Length >= 16);

        // Non-ASCII identities travel as JSON text, not percent-encoded.
        using var zhang = gateway.CreateClient();
        (await zhang.SignInAsync(GatewayHost.App2, TestUsers.Zhang)).Dispose();
        var zhangVerdict = await verifier.VerifyAsync(await TokenAsync(zhang, GatewayHost.App2), GatewayHost.App2);
        Assert.True(zhangVerdict.Ok, zhangVerdict.Error);
        Assert.Equal("张三", zhangVerdict.Payload.GetProperty("sub").GetString());
        Assert.Equal(["staff", "研发"], zhangVerdict.Payload.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToArray());
    }

    [Fact]
    public async Task ATokenReplayedAtAnotherHost_OrTampered_IsRejected()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var verifier = VerifierOf(gateway);
        using var bob = gateway.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var token = await TokenAsync(bob, GatewayHost.App1);
        Assert.True((await verifier.VerifyAsync(token, GatewayHost.App1)).Ok);

        var replayed = await verifier.VerifyAsync(token, GatewayHost.App2);
        Assert.False(replayed.Ok);
        Assert.Contains("aud", replayed.Error);

        var parts = token.Split('.');
        var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).RootElement;
        var forged = JsonSerializer.Serialize(payload.EnumerateObject().ToDictionary(p => p.Name, p => p.Name == "sub" ? JsonSerializer.SerializeToElement("alice") : p.Value.Clone()));
        var tampered = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(forged))}.{parts[2]}";
        Assert.False((await verifier.VerifyAsync(tampered, GatewayHost.App1)).Ok);
        var unsigned = $"{System.Buffers.Text.Base64Url.EncodeToString("""{"alg":"none"}"""u8)}.{parts[1]}.";
        Assert.False((await verifier.VerifyAsync(unsigned, GatewayHost.App1)).Ok);
    }

    [Fact]
    public async Task ASpoofedAssertionHeader_NeverReachesABackend()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var verifier = VerifierOf(gateway);
        using var bob = gateway.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        using var anonymous = gateway.CreateClient();

        foreach (var spelling in new[] { Header, "x-sso-assertion", "X_Sso_Assertion", "x.sso.assertion" })
        {
            var spoof = new Dictionary<string, string> { [spelling] = "forged" };
            var signedIn = await bob.GetEchoAsync(GatewayHost.App1, "/", spoof);
            var real = Assert.Single(signedIn.Headers, h => h.Key.Replace('_', '-').Replace('.', '-').Equals(Header, StringComparison.OrdinalIgnoreCase));
            Assert.True((await verifier.VerifyAsync(real.Value, GatewayHost.App1)).Ok);
            var onPublicRoute = await anonymous.GetEchoAsync(GatewayHost.App1, "/public/x", spoof);
            Assert.DoesNotContain(onPublicRoute.Headers, h => h.Key.Replace('_', '-').Replace('.', '-').Equals(Header, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task ATokenIsReused_ForTheSameSessionAndHost_WhileFresh()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var laptop = gateway.CreateClient();
        (await laptop.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var phone = gateway.CreateClient();
        (await phone.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        var first = await TokenAsync(laptop, GatewayHost.App1, "/one");
        var tokens = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            tokens.Add(await TokenAsync(laptop, GatewayHost.App1, $"/again/{i}"));
        }

        Assert.All(tokens, t => Assert.Equal(first, t));
        Assert.NotEqual(first, await TokenAsync(laptop, GatewayHost.App2));
        Assert.NotEqual(first, await TokenAsync(phone, GatewayHost.App1));
    }

    [Fact]
    public async Task EveryInstance_SignsWithTheSameKeys()
    {
        await using var gateways = await TwoInstances.StartAsync(redis, Settings());
        using var verifierOfA = VerifierOf(gateways.A);
        using var onA = gateways.A.CreateClient();
        (await onA.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var onB = TwoInstances.SameBrowser(gateways.B, onA);

        var verdict = await verifierOfA.VerifyAsync(await TokenAsync(onB, GatewayHost.App2), GatewayHost.App2);

        Assert.True(verdict.Ok, verdict.Error);
        using var http = new HttpClient();
        Assert.Equal(await http.GetStringAsync($"http://127.0.0.1:{gateways.A.Port}/_sso/jwks.json"),
            await http.GetStringAsync($"http://127.0.0.1:{gateways.B.Port}/_sso/jwks.json"));
    }

    [Fact]
    public async Task PrivateKeys_AreNotInRedisInTheClear()
    {
        var settings = Settings();
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var bob = gateway.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        await TokenAsync(bob, GatewayHost.App1);

        var multiplexer = gateway.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
        var keys = server.Keys(pattern: settings["Sso:RedisKeyPrefix"] + "assertion-key:*").ToList();
        Assert.Equal(2, keys.Count); // this period's and the next one's
        foreach (var key in keys)
        {
            var stored = JsonDocument.Parse(multiplexer.GetDatabase().StringGet(key).ToString()).RootElement;
            Assert.Equal(["key", "kid"], stored.EnumerateObject().Select(p => p.Name).Order().ToArray());
            var protectedKey = System.Buffers.Text.Base64Url.DecodeFromChars(stored.GetProperty("key").GetString());
            using var ecdsa = System.Security.Cryptography.ECDsa.Create();
            Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => ecdsa.ImportPkcs8PrivateKey(protectedKey, out _));
            Assert.True(await multiplexer.GetDatabase().KeyTimeToLiveAsync(key) is { } ttl && ttl > TimeSpan.Zero);
        }
    }

    // Periods of 4 s and tokens of 2 s: within about 12 s the keys rotate at least twice. Every token must verify
    // against the key set as published when it is checked, and its key must already have been in the key set fetched
    // before the token was asked for (published ahead), so a backend that cached the key set never meets an unknown key.
    [Fact]
    public async Task Rotation_PublishesEachKeyBeforeItSigns_AndKeepsItWhileItsTokensLive()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(lifetime: "00:00:02", rotation: "00:00:04"));
        using var verifier = VerifierOf(gateway);
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var http = new HttpClient();
        var jwks = $"http://127.0.0.1:{gateway.Port}/_sso/jwks.json";
        var seen = new HashSet<string>();

        await Poll.UntilAsync(async () =>
        {
            var publishedBefore = KeyIds(await http.GetStringAsync(jwks));
            var token = await TokenAsync(alice, GatewayHost.App1);
            var verdict = await verifier.VerifyAsync(token, GatewayHost.App1);
            Assert.True(verdict.Ok, verdict.Error);
            var kid = verdict.Header.GetProperty("kid").GetString()!;
            Assert.Contains(kid, publishedBefore);
            seen.Add(kid);
            return seen.Count >= 3;
        }, TimeSpan.FromSeconds(20), "three signing keys took turns");
    }

    private static HashSet<string> KeyIds(string jwks) =>
        JsonDocument.Parse(jwks).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToHashSet();

    /// <summary>
    /// The tokens held for reuse are counted exactly under concurrent issues for the same and different sessions (the
    /// count is what bounds them, so a count that drifted low would let them grow without bound).
    /// </summary>
    [Fact]
    public async Task HeldTokens_AreCountedExactly_UnderConcurrentIssues()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        var assertion = gateway.Services.GetRequiredService<Gateway.Assertion.IdentityAssertion>();
        var before = assertion.Held;
        var sessions = Enumerable.Range(0, 64).Select(i => $"held-count-{i}").ToArray();
        string[] audiences = ["a.held.test", "b.held.test", "c.held.test"];

        // Each (session, audience) issued by several requests at once, and again by new principals of the same user
        // (equal identity: reused) and of a renamed one (different identity: a new token replaces the held one).
        await Parallel.ForEachAsync(Enumerable.Range(0, 4 * sessions.Length * audiences.Length), async (i, token) =>
        {
            var session = sessions[i % sessions.Length];
            var audience = audiences[i / sessions.Length % audiences.Length];
            var name = i % 5 == 0 ? "renamed" : "held";
            var user = Gateway.Identity.UserPrincipal.Create(name, $"{name}@example.com", name, ["staff"], session);
            await assertion.TokenForAsync(user, audience, token);
        });

        Assert.Equal(sessions.Length * audiences.Length, assertion.Held - before);
    }
}

/// <summary>Off by default, and validated at startup.</summary>
public sealed class IdentityAssertionSettingTests
{
    [Fact]
    public async Task Off_ByDefault_NoHeader_AndNoKeySet()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        var echoed = await alice.GetEchoAsync(GatewayHost.App1, "/", new Dictionary<string, string> { ["X-Sso-Assertion"] = "forged" });

        Assert.Null(echoed.Header("X-Sso-Assertion"));
        using var jwks = await alice.GetAsync(GatewayHost.App1, "/_sso/jwks.json");
        Assert.Equal(HttpStatusCode.NotFound, jwks.StatusCode);
    }

    [Theory]
    [InlineData("Sso:Assertion:Issuer", null, "Sso:Assertion:Issuer")]
    [InlineData("Sso:Assertion:Lifetime", "00:01:30", "Sso:Assertion:Lifetime")]
    [InlineData("Sso:Assertion:Lifetime", "00:00:00", "Sso:Assertion:Lifetime")]
    [InlineData("Sso:Assertion:KeyRotation", "00:01:00", "Sso:Assertion:KeyRotation")]
    [InlineData("Sso:Assertion:Header", "X Sso: Assertion", "Sso:Assertion:Header")]
    public async Task BadSettings_StopStartup_NamingTheKey(string key, string? value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sso:Assertion:Header"] = "X-Sso-Assertion",
            ["Sso:Assertion:Issuer"] = "https://sso.test",
            [key] = value,
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(settings));

        Assert.Contains(StartupErrors.Describe(error)!, m => m.StartsWith(named + ":", StringComparison.Ordinal));
    }
}
