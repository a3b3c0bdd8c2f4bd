using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// Signing out: RP-initiated logout (the browser goes on to the provider's end_session_endpoint and back), and
/// OpenID Connect Back-Channel Logout (the provider posts a logout token; the sessions from that provider session end
/// on every instance at once; a forged or replayed token changes nothing).
/// </summary>
[Collection(OpenIdProviderCollection.Name)]
public sealed partial class ProviderLogoutTests(OpenIdProviderFixture provider, RedisServerFixture redis)
{
    private const string BackChannelPath = "/_sso/oidc/" + ProviderGateway.Name + "/backchannel-logout";

    [Fact]
    public async Task SignOut_WithSignOutAtProvider_EndsBothSessions_AndComesBackToTheReturnUrl()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sso:OpenIdConnect:idp:SignOutAtProvider"] = "true",
        });
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada")).Dispose();
        var returnUrl = gateway.Host.Url(GatewayHost.App2, "/goodbye");

        using var signOut = await client.SignOutAsync(GatewayHost.App1, returnUrl);

        // Signed out here at once, then on to the provider's end_session_endpoint.
        Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        var endSession = signOut.Headers.Location!;
        Assert.StartsWith(provider.Issuer + "/session/end?", endSession.ToString());
        var query = System.Web.HttpUtility.ParseQueryString(endSession.Query);
        Assert.Equal(gateway.Client.ClientId, query["client_id"]);
        Assert.Equal(gateway.Host.Url(GatewayHost.App1, "/_sso/oidc/idp/signed-out"), query["post_logout_redirect_uri"]);
        Assert.NotNull(query["state"]);
        Assert.Null(query["id_token_hint"]);
        using (var page = await client.GetAsync(GatewayHost.App1, "/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        }

        // The provider asks for confirmation on its own page, ends its session and sends the browser back.
        using var back = await ConfirmSignOutAtProviderAsync(client, endSession);
        Assert.Equal(HttpStatusCode.Found, back.StatusCode);
        Assert.Equal(returnUrl, back.Headers.Location!.OriginalString);

        // The provider session is gone too: signing in again means logging in at the provider again.
        using var again = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace");
        await ProviderSignInTests.AssertLandedAsync(again, "/");
        Assert.Equal("grace", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task SignOut_WithoutSignOutAtProvider_StaysOnTheSite()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider);
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada")).Dispose();
        var returnUrl = gateway.Host.Url(GatewayHost.App2, "/goodbye");

        using var signOut = await client.SignOutAsync(GatewayHost.App1, returnUrl);

        Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        Assert.Equal(returnUrl, signOut.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task BackChannelLogout_FromTheProvider_EndsTheSessionOnTwoInstancesWithinOneSecond()
    {
        var log = new CapturingLogSink();
        // A long trust window: only the invalidation message, not the cache's expiry, can end the session on B in time.
        await using var a = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?> { ["Sso:SessionCacheDuration"] = "00:00:30" },
            redis: redis, log: log);
        await using var b = await ProviderGateway.StartAsync(provider, shareWith: a);
        using var onA = a.Host.CreateClient();
        (await ProviderFlow.SignInAsync(onA, a.Host, provider, "grace")).Dispose();
        using var onB = TwoInstancesBrowser(b.Host, onA);
        using var bystander = a.Host.CreateClient();
        (await ProviderFlow.SignInAsync(bystander, a.Host, provider, "ada")).Dispose();
        // Both instances have the session in their local caches.
        Assert.Equal("grace", (await onA.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        Assert.Equal("grace", (await onB.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
        Assert.Equal("grace", (await onB.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));

        // grace signs out at the provider itself (e.g. from another application); it posts a logout token to instance A.
        using var endSession = await ConfirmSignOutAtProviderAsync(onA, new Uri(provider.Issuer + "/session/end"));
        var loggedOutAt = Stopwatch.StartNew();
        Assert.Contains(provider.Output, line => line == "backchannel.success " + a.Client.ClientId);

        await Poll.UntilAsync(async () =>
        {
            using var fromA = await onA.GetAsync(GatewayHost.App1, "/");
            using var fromB = await onB.GetAsync(GatewayHost.App2, "/");
            return fromA.StatusCode == HttpStatusCode.Unauthorized && fromB.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(1), "both instances refuse the old cookie");
        Assert.True(loggedOutAt.Elapsed < TimeSpan.FromSeconds(1), $"took {loggedOutAt.ElapsedMilliseconds} ms");
        Assert.Equal("ada", (await bystander.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        var audit = Assert.Single(log.WithEventId(3111));
        Assert.Equal("1", audit.Scalar("Count"));
        Assert.Equal("grace", audit.Scalar("Users"));
    }

    public static TheoryData<string> ForgedCases => new(Forgeries.Keys);

    // Read when each token is made: a value fixed when the class loads is ten minutes old in a slow suite, and then
    // "iat in the future" (+600 s) is not in the future any more.
    private static JsonNode Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Each: how the token differs from a valid one for the session (or how the request differs).</summary>
    private static readonly Dictionary<string, Func<Forgery, HttpContent>> Forgeries = new()
    {
        ["WrongAudience"] = f => f.Token(new() { ["aud"] = "some-other-client" }),
        ["AudienceListWithoutUs"] = f => f.Token(new() { ["aud"] = new JsonArray("a", "b") }),
        ["WrongIssuer"] = f => f.Token(new() { ["iss"] = "http://127.0.0.1:1" }),
        ["NoIssuer"] = f => f.Token(new() { ["iss"] = null }),
        ["SignedByAnotherKey"] = f => LogoutTokens.Form(LogoutTokens.Create(
            new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = f.Provider.SigningKey.KeyId }, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub)),
        ["Unsigned"] = f => LogoutTokens.Form(LogoutTokens.Create(f.Provider.SigningKey, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub, unsigned: true)),
        ["SignatureOfAnotherToken"] = f => LogoutTokens.Form(string.Join('.',
            LogoutTokens.Create(f.Provider.SigningKey, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub, new() { ["sub"] = "someone" }).Split('.')[..2]
                .Append(LogoutTokens.Create(f.Provider.SigningKey, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub).Split('.')[2]))),
        ["NoEvents"] = f => f.Token(new() { ["events"] = null }),
        ["EventsWithoutLogoutEvent"] = f => f.Token(new() { ["events"] = new JsonObject { ["http://schemas.openid.net/event/other"] = new JsonObject() } }),
        ["LogoutEventNotAnObject"] = f => f.Token(new() { ["events"] = new JsonObject { [LogoutTokens.EventType] = "yes" } }),
        ["EventsAsString"] = f => f.Token(new() { ["events"] = LogoutTokens.EventType }),
        ["HasNonce"] = f => f.Token(new() { ["nonce"] = "abc" }),
        ["NoSidNoSub"] = f => f.Token(new() { ["sid"] = null, ["sub"] = null }),
        ["NoJti"] = f => f.Token(new() { ["jti"] = null }),
        ["NoIat"] = f => f.Token(new() { ["iat"] = null }),
        ["IatTenMinutesOld"] = f => f.Token(new() { ["iat"] = Now.GetValue<long>() - 600 }),
        ["IatInTheFuture"] = f => f.Token(new() { ["iat"] = Now.GetValue<long>() + 600, ["exp"] = Now.GetValue<long>() + 900 }),
        ["Expired"] = f => f.Token(new() { ["iat"] = Now.GetValue<long>() - 200, ["exp"] = Now.GetValue<long>() - 100 }),
        ["Malformed"] = _ => LogoutTokens.Form("not.a.token"),
        ["Empty"] = _ => LogoutTokens.Form(""),
        ["NoToken"] = _ => new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "x" }),
        ["JsonBody"] = f => LogoutTokens.Json(LogoutTokens.Create(f.Provider.SigningKey, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub)),
        ["TwoTokens"] = f => new FormUrlEncodedContent(
        [
            new("logout_token", LogoutTokens.Create(f.Provider.SigningKey, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub)),
            new("logout_token", LogoutTokens.Create(f.Provider.SigningKey, f.Provider.Issuer, f.ClientId, f.Sid, f.Sub)),
        ]),
    };

    internal sealed record Forgery(OpenIdProviderFixture Provider, string ClientId, string? Sid, string Sub)
    {
        public HttpContent Token(Dictionary<string, JsonNode?> changes) =>
            LogoutTokens.Form(LogoutTokens.Create(Provider.SigningKey, Provider.Issuer, ClientId, Sid, Sub, changes));
    }

    [Theory]
    [MemberData(nameof(ForgedCases))]
    public async Task ForgedLogoutToken_400_AndNothingChanges(string caseName)
    {
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, redis: redis, log: log);
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace")).Dispose();
        var session = await SessionOfAsync(gateway, "grace");

        // The session keeps only a hash of the provider's sid, so these tokens name the subject: a valid one would end it.
        using var response = await PostAsync(gateway, Forgeries[caseName](
            new Forgery(provider, gateway.Client.ClientId, Sid: null, session.Record.ProviderSubject!)));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Contains("\"error\":\"invalid_request\"", body);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("grace", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        Assert.Contains(log.WithEventId(3112), e => e.Scalar("Provider") == ProviderGateway.Name);
        Assert.Empty(log.WithEventId(3111));
    }

    [Fact]
    public async Task ValidLogoutToken_Ends_ThenTheSameTokenReplayed_400_AndTheNextSessionLives()
    {
        await using var gateway = await ProviderGateway.StartAsync(provider, redis: redis);
        using var client = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace")).Dispose();
        var session = await SessionOfAsync(gateway, "grace");
        var token = LogoutTokens.Create(provider.SigningKey, provider.Issuer, gateway.Client.ClientId, sid: null, session.Record.ProviderSubject);

        using (var first = await PostAsync(gateway, LogoutTokens.Form(token)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        using (var ended = await client.GetAsync(GatewayHost.App1, "/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        }

        // Signed in again (the provider session, and so its sid, is the same one): the old token must not end it.
        (await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace")).Dispose();
        Assert.Equal(session.Record.ProviderSessionId, (await SessionOfAsync(gateway, "grace")).Record.ProviderSessionId);
        using (var replayed = await PostAsync(gateway, LogoutTokens.Form(token)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        }
        Assert.Equal("grace", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LogoutToken_WithSid_EndsThatProviderSessionOnly_WithSubOnly_EveryOneOfTheSubject(bool inRedis)
    {
        // The provider's back-channel request goes to the port the client was registered with: this gateway's.
        await using var gateway = await ProviderGateway.StartAsync(provider, redis: inRedis ? redis : null);
        // Two browsers: two provider sessions (two sids) of one subject, and someone else.
        using var first = gateway.Host.CreateClient();
        using var second = gateway.Host.CreateClient();
        using var other = gateway.Host.CreateClient();
        (await ProviderFlow.SignInAsync(first, gateway.Host, provider, "grace")).Dispose();
        (await ProviderFlow.SignInAsync(second, gateway.Host, provider, "grace")).Dispose();
        (await ProviderFlow.SignInAsync(other, gateway.Host, provider, "ada")).Dispose();
        var sessions = await gateway.Host.Services.GetRequiredService<ISessionStore>().ListByUserAsync("grace", CancellationToken.None);
        Assert.Equal(2, sessions.Count);
        Assert.NotEqual(sessions[0].Record.ProviderSessionId, sessions[1].Record.ProviderSessionId);

        // The first browser signs out at the provider: its real logout token names that provider session's sid.
        (await ConfirmSignOutAtProviderAsync(first, new Uri(provider.Issuer + "/session/end"))).Dispose();
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK], await StatusesAsync(first, second, other));

        using (var bySub = await PostAsync(gateway, LogoutTokens.Form(LogoutTokens.Create(provider.SigningKey, provider.Issuer,
            gateway.Client.ClientId, sid: null, sub: "grace"))))
        {
            Assert.Equal(HttpStatusCode.OK, bySub.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK], await StatusesAsync(first, second, other));
    }

    private static async Task<HttpStatusCode[]> StatusesAsync(params GatewayClient[] clients)
    {
        var statuses = new List<HttpStatusCode>();
        foreach (var client in clients)
        {
            using var response = await client.GetAsync(GatewayHost.App1, "/");
            statuses.Add(response.StatusCode);
        }
        return statuses.ToArray();
    }

    private static async Task<StoredSession> SessionOfAsync(ProviderGateway gateway, string user) =>
        Assert.Single(await gateway.Host.Services.GetRequiredService<ISessionStore>().ListByUserAsync(user, CancellationToken.None));

    private static async Task<HttpResponseMessage> PostAsync(ProviderGateway gateway, HttpContent content)
    {
        using var http = new HttpClient();
        return await http.PostAsync($"http://127.0.0.1:{gateway.Host.Port}{BackChannelPath}", content);
    }

    /// <summary>A client of <paramref name="gateway"/> holding the cookies <paramref name="from"/> holds (the same browser).</summary>
    private static GatewayClient TwoInstancesBrowser(GatewayHost gateway, GatewayClient from)
    {
        var client = gateway.CreateClient();
        client.Cookies.Add(from.Cookies.GetAllCookies());
        return client;
    }

    /// <summary>Opens the provider's end-session page and presses "Yes, sign me out"; returns the provider's answer to that.</summary>
    private static async Task<HttpResponseMessage> ConfirmSignOutAtProviderAsync(GatewayClient client, Uri endSession)
    {
        using var page = await client.Http.GetAsync(endSession);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"end session: {(int)page.StatusCode} {html}");
        var form = LogoutForm().Match(html);
        Assert.True(form.Success, html);
        var confirm = await client.Http.PostAsync(new Uri(endSession, WebUtility.HtmlDecode(form.Groups[1].Value)),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["xsrf"] = form.Groups[2].Value, ["logout"] = "yes" }));
        if ((int)confirm.StatusCode == 303 && confirm.Headers.Location is { } location
            && location.ToString().Contains("/_sso/oidc/", StringComparison.Ordinal))
        {
            // Back to the gateway's post-logout redirect URI, which sends the browser on to the return URL.
            var signedOut = new Uri(endSession, location);
            confirm.Dispose();
            return await client.Http.GetAsync(signedOut);
        }
        return confirm;
    }

    [GeneratedRegex("<form id=\"op.logoutForm\" method=\"post\" action=\"([^\"]+)\"><input type=\"hidden\" name=\"xsrf\" value=\"([^\"]+)\"/>")]
    private static partial Regex LogoutForm();
}
