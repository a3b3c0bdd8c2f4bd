using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary><c>/_sso/logout</c> (SPEC §4, §6): the session is deleted, and the same cookie replayed later is refused.</summary>
public abstract class SignOutTests : GatewayTestBase
{
    [Fact]
    public async Task SignOutPage_ShowsAPostFormWithAntiforgeryToken()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var page = await client.GetAsync(GatewayHost.App2, "/_sso/logout", asBrowser: true);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<form method=\"post\" action=\"/_sso/logout\"", html);
        Assert.Contains("<strong>bob</strong>", html);
        Assert.NotEmpty(GatewayClient.FormToken(html));
        Assert.NotNull(await Gateway.SessionOfAsync(client.SessionCookie()!.Value));
    }

    [Fact]
    public async Task SignOut_DeletesTheSessionFromTheStore()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var cookie = client.SessionCookie()!.Value;
        Assert.Equal("alice", (await Gateway.SessionOfAsync(cookie))?.User);

        using var signOut = await client.SignOutAsync(GatewayHost.App1);

        Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        Assert.NotNull(Gateway.SessionIdOf(cookie));
        Assert.Null(await Gateway.SessionOfAsync(cookie));
        Assert.Null(client.SessionCookie());
    }

    [Fact]
    public async Task SignOut_ThenReplayOldCookie_IsRefusedOnEveryHost()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var saved = client.SessionCookie()!.Value;
        (await client.SignOutAsync(GatewayHost.App2)).Dispose();

        using var replay = new BareClient(Gateway);
        foreach (var host in new[] { GatewayHost.App1, GatewayHost.App2 })
        {
            using var api = await replay.GetAsync(host, "/api/me", cookie: $"sso_session={saved}");
            using var page = await replay.GetAsync(host, "/home", cookie: $"sso_session={saved}", asBrowser: true);
            using var userInfo = await replay.GetAsync(host, "/_sso/userinfo", cookie: $"sso_session={saved}");

            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            Assert.Equal(HttpStatusCode.Found, page.StatusCode);
            Assert.Equal(Gateway.Url(host, "/_sso/login"), page.Headers.Location!.GetLeftPart(UriPartial.Path));
            Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
        }
    }

    [Fact]
    public async Task SignOut_ExpiresTheCookieWithTheSameDomainAndPath()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice);
        var issued = SetCookies.Find(signIn)!;

        using var signOut = await client.SignOutAsync(GatewayHost.App2);

        var raw = SetCookies.Raw(signOut);
        Assert.NotNull(raw);
        var expired = SetCookies.Find(signOut)!;
        Assert.Equal("", expired.Value.ToString());
        Assert.NotNull(expired.Expires);
        Assert.True(expired.Expires < DateTimeOffset.UtcNow, raw);
        Assert.Equal(issued.Domain, expired.Domain);
        Assert.Equal(issued.Path, expired.Path);
        Assert.Equal(".sso.localhost", expired.Domain.ToString());
        Assert.Equal("/", expired.Path.ToString());
    }

    [Fact]
    public async Task SignOut_WithoutReturnUrl_RedirectsToTheLoginPage()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var signOut = await client.SignOutAsync(GatewayHost.App1);

        Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        Assert.Equal("/_sso/login", signOut.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/goodbye", "/goodbye")]
    [InlineData("http://app2.sso.localhost/", "http://app2.sso.localhost/")]
    [InlineData("https://evil.test/", "/_sso/login")]
    public async Task SignOut_FollowsOnlyASafeReturnUrl(string returnUrl, string expected)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var signOut = await client.SignOutAsync(GatewayHost.App1, returnUrl);

        Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        Assert.Equal(expected, signOut.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignOutPost_WithoutAntiforgeryToken_Is400AndTheSessionSurvives()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        (await client.GetAsync(GatewayHost.App1, "/_sso/logout", asBrowser: true)).Dispose();
        var cookie = client.SessionCookie()!.Value;

        using var response = await client.PostFormAsync(GatewayHost.App1, "/_sso/logout", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(SetCookies.Raw(response));
        Assert.Equal("bob", (await Gateway.SessionOfAsync(cookie))?.User);
        Assert.Equal("bob", (await client.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task SignOutPost_WithAForeignAntiforgeryToken_Is400()
    {
        using var victim = Gateway.CreateClient();
        (await victim.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        using var attacker = Gateway.CreateClient();
        using var attackerPage = await attacker.GetAsync(GatewayHost.App1, "/_sso/logout", asBrowser: true);
        var attackerToken = GatewayClient.FormToken(await attackerPage.Content.ReadAsStringAsync());

        using var response = await victim.PostFormAsync(GatewayHost.App1, "/_sso/logout",
            new Dictionary<string, string> { ["__antiforgery"] = attackerToken });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bob", (await victim.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }
}

public sealed class SignOutTests_InMemory : SignOutTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class SignOutTests_Redis(RedisServerFixture redis) : SignOutTests
{
    // Every gateway of one test shares this prefix: the same sessions and the same Data Protection key ring.
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";

    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis, _prefix);

    [Fact]
    public async Task SignOutOnOneInstance_OldCookieIsRefusedByTheOtherInstance()
    {
        var other = await StartGatewayAsync();
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var saved = client.SessionCookie()!.Value;
        using var onOther = new BareClient(other);
        using (var before = await onOther.GetAsync(GatewayHost.App2, "/", cookie: $"sso_session={saved}"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        (await client.SignOutAsync(GatewayHost.App1)).Dispose();

        using var after = await onOther.GetAsync(GatewayHost.App2, "/", cookie: $"sso_session={saved}");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }
}
