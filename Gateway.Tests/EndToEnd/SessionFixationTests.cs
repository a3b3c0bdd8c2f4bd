using System.Net;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.EndToEnd;

/// <summary>SPEC §6: every sign-in issues a new session id; a signed-out session is dead on every instance.</summary>
public abstract class SessionFixationTests : GatewayTestBase
{
    [Fact]
    public async Task SessionFixation_AttackersPlantedSessionCookie_IsNotTheVictimsSessionAfterSignIn()
    {
        var gateway = Gateway;
        using var attacker = gateway.CreateClient();
        using (await attacker.SignInAsync(GatewayHost.App1, TestUsers.Bob)) { }
        var planted = attacker.SessionCookie()!.Value;

        // The victim opens the form, then the attacker's session cookie lands in the victim's browser.
        using var victim = gateway.CreateClient();
        var token = await victim.GetSignInTokenAsync(GatewayHost.App1);
        victim.Cookies.Add(new Cookie("sso_session", planted, "/", ".sso.localhost"));
        using var signIn = await victim.PostSignInAsync(GatewayHost.App1, token, TestUsers.Alice, returnUrl: "/");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var issued = victim.SessionCookie()!.Value;
        Assert.NotEqual(planted, issued);
        Assert.NotEqual(SessionIdOf(gateway, planted), SessionIdOf(gateway, issued));
        Assert.Equal("alice", (await victim.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        // The planted cookie still means only the attacker's own session: it never became alice's.
        using var replay = CookieClient(gateway, planted);
        Assert.Equal("bob", (await replay.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task SessionFixation_ForgedCookieValue_IsReplacedAtSignIn_AndStillRefused()
    {
        var gateway = Gateway;
        using var victim = gateway.CreateClient();
        const string forged = "CfDJ8attacker-chosen-value";
        victim.Cookies.Add(new Cookie("sso_session", forged, "/", ".sso.localhost"));

        using var signIn = await victim.SignInAsync(GatewayHost.App1, TestUsers.Alice);

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.NotEqual(forged, victim.SessionCookie()!.Value);
        Assert.Equal("alice", (await victim.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
        using var replay = CookieClient(gateway, forged);
        using var response = await replay.GetAsync(GatewayHost.App1, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SignInAgain_FromAFormOpenedEarlier_IssuesANewSessionId()
    {
        var gateway = Gateway;
        using var client = gateway.CreateClient();
        var firstTab = await client.GetSignInTokenAsync(GatewayHost.App1);
        var secondTab = await client.GetSignInTokenAsync(GatewayHost.App1);
        using (await client.PostSignInAsync(GatewayHost.App1, firstTab, TestUsers.Alice, returnUrl: "/")) { }
        var before = client.SessionCookie()!.Value;

        using (var again = await client.PostSignInAsync(GatewayHost.App1, secondTab, TestUsers.Bob, returnUrl: "/"))
        {
            Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        }

        var after = client.SessionCookie()!.Value;
        Assert.NotEqual(SessionIdOf(gateway, before), SessionIdOf(gateway, after));
        Assert.Equal("bob", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task SignOut_ThenReplayOldCookie_IsRefused()
    {
        var gateway = Gateway;
        using var client = gateway.CreateClient();
        using (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)) { }
        var stolen = client.SessionCookie()!.Value;

        using var signOut = await client.SignOutAsync(GatewayHost.App1);

        Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        Assert.Null(client.SessionCookie());
        using var replay = CookieClient(gateway, stolen);
        using var api = await replay.GetAsync(GatewayHost.App1, "/api");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var page = await replay.GetAsync(GatewayHost.App2, "/", asBrowser: true);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.Contains("/_sso/login", page.Headers.Location!.ToString());
        using var userInfo = await replay.GetAsync(GatewayHost.App1, "/_sso/userinfo");
        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
    }

    [Fact]
    public async Task SignOut_ExpiresTheCookie_WithTheSameDomainAndPath()
    {
        var gateway = Gateway;
        using var client = gateway.CreateClient();
        using (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)) { }

        using var signOut = await client.SignOutAsync(GatewayHost.App1);

        var expiry = Assert.Single(signOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sso_session=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", expiry, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("domain=.sso.localhost", expiry, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", expiry, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A fresh client that sends exactly this session cookie, as someone replaying a copied cookie would.</summary>
    internal static GatewayClient CookieClient(GatewayHost gateway, string value)
    {
        var client = gateway.CreateClient();
        foreach (var host in new[] { GatewayHost.App1, GatewayHost.App2 })
        {
            client.Cookies.Add(new Cookie("sso_session", value, "/", host));
        }
        return client;
    }

    /// <summary>The raw session id inside a cookie (Data Protection output differs every time even for one id).</summary>
    internal static string SessionIdOf(GatewayHost gateway, string cookie)
    {
        var options = gateway.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var ticket = options.TicketDataFormat.Unprotect(cookie) ?? throw new InvalidOperationException("not one of our cookies");
        return ticket.Principal.FindFirst("Microsoft.AspNetCore.Authentication.Cookies-SessionId")!.Value;
    }
}

public sealed class SessionFixationTests_InMemory : SessionFixationTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class SessionFixationTests_Redis(RedisServerFixture redis) : SessionFixationTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);

    [Fact]
    public async Task SignOutOnOneInstance_KillsTheSessionOnEveryInstance()
    {
        var settings = GatewayHost.RedisSettings(redis);
        await using var first = await GatewayHost.StartAsync(settings);
        await using var second = await GatewayHost.StartAsync(settings, sharedContentRoot: first.ContentRoot);
        using var onFirst = first.CreateClient();
        using (await onFirst.SignInAsync(GatewayHost.App1, TestUsers.Alice)) { }
        var cookie = onFirst.SessionCookie()!.Value;
        using var onSecond = CookieClient(second, cookie);
        Assert.Equal("alice", (await onSecond.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));

        using (var signOut = await onSecond.SignOutAsync(GatewayHost.App2))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }

        // The first instance cached the session at sign-in; the sign-out reaches it by pub/sub within the promised second.
        foreach (var gateway in new[] { first, second })
        {
            using var replay = CookieClient(gateway, cookie);
            await Poll.UntilAsync(async () =>
            {
                using var response = await replay.GetAsync(GatewayHost.App1, "/");
                return response.StatusCode == HttpStatusCode.Unauthorized;
            }, TimeSpan.FromSeconds(1), "every instance refuses the signed-out cookie");
        }
    }
}
