using System.Net;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Net.Http.Headers;

namespace Gateway.Tests.EndToEnd;

/// <summary>The domain-wide session cookie as the browser receives it (SPEC §6), and a new session at every sign-in.</summary>
public abstract class SessionCookieTests : GatewayTestBase
{
    [Fact]
    public async Task SignIn_SetsDomainWideBrowserSessionCookie_HttpOnlyLaxPathRoot()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice);

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var raw = SetCookies.Raw(signIn);
        Assert.NotNull(raw);
        var cookie = SetCookies.Find(signIn)!;
        Assert.True(cookie.HttpOnly, raw);
        Assert.Equal("/", cookie.Path.ToString());
        Assert.Equal(".sso.localhost", cookie.Domain.ToString());
        Assert.Equal(SameSiteMode.Lax, cookie.SameSite);
        Assert.Null(cookie.Expires);
        Assert.Null(cookie.MaxAge);
        var attributes = SetCookies.AttributeNames(raw);
        Assert.DoesNotContain("expires", attributes);
        Assert.DoesNotContain("max-age", attributes);
        // The tests' settings turn Secure off (plain-http test traffic); the default is covered below.
        Assert.DoesNotContain("secure", attributes);
    }

    [Fact]
    public async Task SignIn_WithDefaultCookieSecure_SetCookieCarriesSecure_EvenOnPlainHttp()
    {
        var gateway = await StartGatewayAsync(new Dictionary<string, string?> { ["Sso:CookieSecure"] = null });

        var (form, signIn) = await SignInByHandAsync(gateway);

        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var raw = SetCookies.Raw(signIn);
        Assert.NotNull(raw);
        Assert.Contains("secure", SetCookies.AttributeNames(raw));
        Assert.True(SetCookies.Find(signIn)!.Secure);

        using var client = new BareClient(gateway);
        var session = SetCookies.Find(signIn)!.Value.ToString();
        using var signOutPage = await client.GetAsync(GatewayHost.App2, "/_sso/logout", cookie: $"sso_session={session}", asBrowser: true);
        Assert.Equal(HttpStatusCode.OK, signOutPage.StatusCode);
    }

    [Fact]
    public async Task BehindTlsProxy_WithDefaultCookieSecure_SessionAndAntiforgeryCookiesAreSecure()
    {
        var gateway = await StartGatewayAsync(new Dictionary<string, string?>
        {
            ["Sso:CookieSecure"] = null,
            ["Sso:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        });

        var (form, signIn) = await SignInByHandAsync(gateway, forwardedProto: "https");

        Assert.True(SetCookies.Find(form, "sso_session_af")!.Secure);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.True(SetCookies.Find(signIn)!.Secure);
    }

    /// <summary>
    /// Signs in as alice without a cookie jar (which would keep Secure cookies from plain http): the form, then the
    /// POST carrying the antiforgery cookie by hand. Returns both responses, for their <c>Set-Cookie</c> headers.
    /// </summary>
    private static async Task<(HttpResponseMessage Form, HttpResponseMessage SignIn)> SignInByHandAsync(
        GatewayHost gateway, string? forwardedProto = null)
    {
        using var client = new BareClient(gateway);
        using var get = client.Request(HttpMethod.Get, GatewayHost.App1, "/_sso/login", asBrowser: true);
        if (forwardedProto is not null)
        {
            get.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }
        var form = await client.SendAsync(get);
        var html = await form.Content.ReadAsStringAsync();
        Assert.True(form.StatusCode == HttpStatusCode.OK, $"sign-in form: {(int)form.StatusCode} {html}");
        var antiforgery = SetCookies.Find(form, "sso_session_af");
        Assert.NotNull(antiforgery);

        using var post = client.Request(HttpMethod.Post, GatewayHost.App1, "/_sso/login",
            cookie: $"sso_session_af={antiforgery.Value}", asBrowser: true);
        if (forwardedProto is not null)
        {
            post.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }
        post.Content = new FormUrlEncodedContent(
            GatewayClient.SignInForm(GatewayClient.FormToken(html), TestUsers.Alice.Username, TestUsers.Alice.Password, returnUrl: "/"));
        return (form, await client.SendAsync(post));
    }

    [Fact]
    public async Task SignIn_WithPlantedSessionCookieOfAnotherUser_IssuesANewSessionOfTheSignedInUser()
    {
        using var attacker = Gateway.CreateClient();
        (await attacker.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var planted = attacker.SessionCookie()!.Value;

        using var victim = Gateway.CreateClient();
        var token = await victim.GetSignInTokenAsync(GatewayHost.App1);
        victim.Cookies.Add(new System.Net.Cookie("sso_session", planted, "/", ".sso.localhost"));
        using var signIn = await victim.PostSignInAsync(GatewayHost.App1, token, TestUsers.Alice, returnUrl: "/");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var issued = SetCookies.Find(signIn)?.Value.ToString();
        Assert.NotNull(issued);
        Assert.NotEqual(planted, issued);
        Assert.NotEqual(Gateway.SessionIdOf(planted), Gateway.SessionIdOf(issued));
        Assert.Equal("alice", (await Gateway.SessionOfAsync(issued))?.User);
        Assert.Equal("alice", (await victim.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
        // The planted cookie never became alice's: it is still bob's own session (or gone).
        Assert.NotEqual("alice", (await Gateway.SessionOfAsync(planted))?.User);
        Assert.Equal("bob", (await attacker.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task SignInAgain_WhileSignedIn_IssuesANewSessionId()
    {
        using var client = Gateway.CreateClient();
        // A form token fetched while anonymous: once signed in, the sign-in page redirects instead.
        var token = await client.GetSignInTokenAsync(GatewayHost.App1);
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var first = client.SessionCookie()!.Value;

        using var again = await client.PostSignInAsync(GatewayHost.App1, token, TestUsers.Bob, returnUrl: "/");

        Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        var second = client.SessionCookie()!.Value;
        Assert.NotEqual(first, second);
        Assert.NotEqual(Gateway.SessionIdOf(first), Gateway.SessionIdOf(second));
        Assert.Equal("bob", (await Gateway.SessionOfAsync(second))?.User);
    }

    [Fact]
    public async Task SessionCookie_DoesNotCarryTheSessionIdInClear()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var value = client.SessionCookie()!.Value;

        var sessionId = Gateway.SessionIdOf(value);

        Assert.NotNull(sessionId);
        Assert.Equal(43, sessionId.Length);
        Assert.DoesNotContain(sessionId, value);
    }
}

public sealed class SessionCookieTests_InMemory : SessionCookieTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class SessionCookieTests_Redis(RedisServerFixture redis) : SessionCookieTests
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";

    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis, _prefix);

    [Fact]
    public async Task SignIn_StoresTheSessionInRedisUnderAHashOfItsIdWithATtl()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var sessionId = Gateway.SessionIdOf(client.SessionCookie()!.Value)!;

        var keys = await redis.KeysAsync(_prefix + "s:*");

        Assert.Equal([_prefix + "s:" + SessionKey.FromSessionId(sessionId).Value], keys);
        Assert.InRange(await redis.IntegerAsync("PTTL", keys[0]), 1, (long)TimeSpan.FromHours(1).TotalMilliseconds);
        Assert.DoesNotContain(await redis.KeysAsync(_prefix + "*"), key => key.Contains(sessionId, StringComparison.Ordinal));
    }
}
