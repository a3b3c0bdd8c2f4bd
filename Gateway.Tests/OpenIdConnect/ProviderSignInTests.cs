using System.Net;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// Sign-in at a real OpenID provider (oidc-provider) with the code flow and PKCE (the provider requires PKCE), over
/// real sockets: the person lands on the return URL signed in on every subdomain, backends get identity headers from
/// the provider's claims, and the settings that shape the user (groups, allowed groups, user claim, prefix) hold.
/// </summary>
[Collection(OpenIdProviderCollection.Name)]
public sealed class ProviderSignInTests(OpenIdProviderFixture provider, RedisServerFixture redis)
{
    private const string Prefix = "Sso:OpenIdConnect:" + ProviderGateway.Name + ":";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CodeFlow_LandsOnReturnUrl_SignedInOnApp1AndApp2_WithHeadersFromClaims(bool inRedis)
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, redis: inRedis ? redis : null);
        using var client = gateway.Host.CreateClient();
        var returnUrl = gateway.Host.Url(GatewayHost.App1, "/somepage?x=1");

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada", returnUrl: returnUrl);

        await AssertLandedAsync(landed, returnUrl);
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

    [Theory]
    [InlineData("ada", HttpStatusCode.OK)]
    [InlineData("grace", HttpStatusCode.Forbidden)]
    [InlineData("linus", HttpStatusCode.Forbidden)]
    public async Task GroupsClaim_DecidesPolicies(string login, HttpStatusCode adminRoute)
    {
        await using var gateway = await ProviderGateway.StartAsync(provider);
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, login)).Dispose();

        using var admin = await client.GetAsync(GatewayHost.App2, "/admin/panel");
        using var other = await client.GetAsync(GatewayHost.App2, "/anything");

        Assert.Equal(adminRoute, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task GroupsClaim_IsSettable()
    {
        // Entra ID sends "roles", Keycloak often "realm_access"…; here a claim the provider does send, under another name.
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { [Prefix + "GroupsClaim"] = "email" });
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada")).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/");

        Assert.Equal("ada@idp.test", echoed.Header("X-Forwarded-Groups"));
    }

    [Theory]
    [InlineData("ada", true)]
    [InlineData("grace", false)]
    [InlineData("linus", false)]
    public async Task AllowedGroups_OnlyMembersGetASession(string login, bool allowed)
    {
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            [Prefix + "AllowedGroups:0"] = "admin",
            [Prefix + "AllowedGroups:1"] = "auditors",
        }, log: log);
        using var client = gateway.Host.CreateClient();

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, login);

        if (allowed)
        {
            await AssertLandedAsync(landed, "/");
            Assert.Equal(login, (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
            return;
        }
        await AssertRefusedAsync(landed, client, HttpStatusCode.Forbidden, "may not sign in");
        Assert.Contains(log.WithEventId(3103), e => e.Scalar("FailureReason") == "not-in-allowed-groups" && e.Scalar("User") == login);
    }

    [Fact]
    public async Task UserPrefix_IsPutBeforeTheName()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { [Prefix + "UserPrefix"] = "idp:" });
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace")).Dispose();

        Assert.Equal("idp:grace", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task DefaultUserClaim_FallsBackToSub_WhenThereIsNoPreferredUsername()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider);
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "nameless")).Dispose();

        Assert.Equal("nameless", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task ConfiguredUserClaim_Missing_NoSession_403()
    {
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { [Prefix + "UserClaim"] = "employee_id" }, log: log);
        using var client = gateway.Host.CreateClient();

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada");

        await AssertRefusedAsync(landed, client, HttpStatusCode.Forbidden, "did not say who you are");
        Assert.Contains(log.WithEventId(3103), e => e.Scalar("FailureReason") == "no-user-claim");
    }

    [Fact]
    public async Task ProviderUser_WithTheNameOfALocalUser_IsRefused_UnlessAPrefixSetsThemApart()
    {
        var log = new CapturingLogSink();
        await using (var gateway = await ProviderGateway.StartAsync(provider, log: log))
        {
            using var client = gateway.Host.CreateClient();
            using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "alice");

            await AssertRefusedAsync(landed, client, HttpStatusCode.Forbidden, "belongs to an account of this site");
            Assert.Contains(log.WithEventId(3103), e => e.Scalar("FailureReason") == "local-account-name" && e.Scalar("User") == "alice");
        }
        await using (var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { [Prefix + "UserPrefix"] = "idp-" }))
        {
            using var client = gateway.Host.CreateClient();
            (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "alice")).Dispose();
            Assert.Equal("idp-alice", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        }
    }

    [Fact]
    public async Task ProviderSession_IsNotCheckedAgainstUsersJson_ButEndsWhenUsersJsonGainsItsName()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider);
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace")).Dispose();

        // grace is not in users.json, and her session works (a password session of an unknown user would end).
        Assert.Equal("grace", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));

        // users.json gains a grace: the name now belongs to a local account, so the provider's grace is signed out.
        await File.WriteAllTextAsync(gateway.Host.UsersFile, TestUsers.FileContent(
            [.. TestUsers.All, new TestUsers.User("grace", "local-grace-password", "grace@example.com", "Local Grace", ["admin"])]));
        await Poll.UntilAsync(async () =>
        {
            using var response = await client.GetAsync(GatewayHost.App1, "/");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(10), "the provider session of grace ends");
    }

    [Fact]
    public async Task ReturnUrl_IsValidated_AnUnsafeOneLandsOnTheRoot()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider);
        using var client = gateway.Host.CreateClient();

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada", returnUrl: "https://evil.test/steal");

        await AssertLandedAsync(landed, "/");
    }

    [Fact]
    public async Task SignIn_AlwaysIssuesANewSession_NeverTheOneTheBrowserHeld()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, redis: redis);
        using var client = gateway.Host.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var before = client.SessionCookie()!.Value;

        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace")).Dispose();

        Assert.NotEqual(before, client.SessionCookie()!.Value);
        Assert.Equal("grace", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task ProviderSessionRecord_KeepsNoToken_AndFitsIn512BytesOfRedis()
    {
        // A key prefix as long as the default "sso:", so the key's share of the memory is what it would be in production.
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sso:RedisKeyPrefix"] = $"m{Random.Shared.Next(256):x2}:",
        }, redis: redis);
        using var client = gateway.Host.CreateClient();
        client.Http.DefaultRequestHeaders.UserAgent.ParseAdd(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada")).Dispose();

        var store = gateway.Host.Services.GetRequiredService<ISessionStore>();
        var session = Assert.Single(await store.ListByUserAsync("ada", CancellationToken.None));
        Assert.Equal(ProviderGateway.Name, session.Record.Provider);
        Assert.Equal("ada", session.Record.ProviderSubject);
        Assert.False(string.IsNullOrEmpty(session.Record.ProviderSessionId));
        var key = gateway.Settings["Sso:RedisKeyPrefix"] + "s:" + session.Key.Value;
        var json = await redis.CommandAsync("GET", key);
        Assert.DoesNotContain("eyJ", json); // no JWT (ID, access or refresh token) in the record
        var memory = await redis.CommandAsync("MEMORY", "USAGE", key);
        var bytes = int.Parse(memory.TrimStart(':').Trim());
        Assert.True(bytes <= 512, $"the session record takes {bytes} bytes of Redis memory: {json}");
    }

    internal static async Task AssertLandedAsync(HttpResponseMessage landed, string returnUrl)
    {
        Assert.True(landed.StatusCode == HttpStatusCode.Found,
            $"{landed.RequestMessage!.RequestUri}: {(int)landed.StatusCode} {await landed.Content.ReadAsStringAsync()}");
        Assert.Equal(returnUrl, landed.Headers.Location!.OriginalString);
    }

    /// <param name="signedInBefore">The client held a session before this answer (it must not have gained one from it).</param>
    internal static async Task AssertRefusedAsync(HttpResponseMessage response, GatewayClient client, HttpStatusCode status, string says,
        bool signedInBefore = false)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode} {html}");
        Assert.Contains(says, html);
        Assert.Contains("href=\"/_sso/login\"", html);
        Assert.DoesNotContain("   at ", html);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Null(SetCookies.Raw(response));
        if (signedInBefore)
        {
            return;
        }
        Assert.Null(client.SessionCookie());
        using var page = await client.GetAsync(GatewayHost.App1, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }
}
