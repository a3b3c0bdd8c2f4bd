using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// What bad callbacks, refusals and faults get: no session, a short page (400, 401 or 503) with a link back to the
/// sign-in page and no stack trace, and an audit line naming the provider and the reason kind, nothing secret.
/// The ID tokens are the real provider's, changed by it on the way out (provider.mjs /test/tamper).
/// </summary>
[Collection(OpenIdProviderCollection.Name)]
public sealed class ProviderFailureTests(OpenIdProviderFixture provider)
{
    private const int SignInFailed = 3102;

    public static TheoryData<string> TamperCases => new(Tampering.Keys);

    private static readonly Dictionary<string, (string Kind, Func<OpenIdProviderFixture, Dictionary<string, object?>> Claims, bool OtherKey)> Tampering = new()
    {
        ["WrongAudience"] = ("wrong-audience", _ => new() { ["aud"] = "some-other-client" }, false),
        ["WrongIssuer"] = ("wrong-issuer", _ => new() { ["iss"] = "http://127.0.0.1:1" }, false),
        ["WrongNonce"] = ("bad-nonce", _ => new() { ["nonce"] = "not-the-nonce-we-sent" }, false),
        ["NoNonce"] = ("bad-nonce", _ => new() { ["nonce"] = null }, false),
        ["Expired"] = ("expired", _ => new() { ["exp"] = Now() - 600, ["iat"] = Now() - 900 }, false),
        ["SignedByAnotherKey"] = ("bad-signature", _ => new(), true),
    };

    [Theory]
    [MemberData(nameof(TamperCases))]
    public async Task IdToken_ThatCannotBeTrusted_NoSession_401_AuditLine(string caseName)
    {
        var (kind, claims, otherKey) = Tampering[caseName];
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, log: log);
        await provider.TamperWithIdTokensAsync(gateway.Client.ClientId, claims(provider), otherKey);
        using var client = gateway.Host.CreateClient();

        using var answer = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada");

        await ProviderSignInTests.AssertRefusedAsync(answer, client, HttpStatusCode.Unauthorized, "could not be trusted");
        var audit = Assert.Single(log.WithEventId(SignInFailed));
        Assert.Equal(ProviderGateway.Name, audit.Scalar("Provider"));
        Assert.Equal(kind, audit.Scalar("FailureReason"));
    }

    [Fact]
    public async Task UntamperedToken_ForTheSameClient_StillSignsIn()
    {
        // The control for the table above: the tampering hook itself changes nothing when asked for nothing.
        await using var gateway = await ProviderGateway.StartAsync(provider);
        await provider.TamperWithIdTokensAsync(gateway.Client.ClientId, new Dictionary<string, object?>());
        using var client = gateway.Host.CreateClient();

        using var landed = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "ada");

        await ProviderSignInTests.AssertLandedAsync(landed, "/");
    }

    public enum BadState { Missing, Tampered, Replayed, FromAnotherBrowser }

    [Theory]
    [InlineData(BadState.Missing)]
    [InlineData(BadState.Tampered)]
    [InlineData(BadState.Replayed)]
    [InlineData(BadState.FromAnotherBrowser)]
    public async Task Callback_WithBadState_NoSession_400_AuditLine(BadState badState)
    {
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, log: log);
        using var browser = gateway.Host.CreateClient();
        using var stopped = await ProviderFlow.SignInAsync(browser, gateway.Host, provider, "ada", stopBefore: ProviderFlow.IsCallback);
        var callback = new Uri(stopped.RequestMessage!.RequestUri!, stopped.Headers.Location!);
        Assert.True(ProviderFlow.IsCallback(callback), callback.ToString());
        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);

        using var other = gateway.Host.CreateClient();
        var (sender, url) = badState switch
        {
            BadState.Missing => (browser, Callback(callback, query, state: null)),
            BadState.Tampered => (browser, Callback(callback, query, state: query["state"]![..^4] + "AAAA")),
            BadState.FromAnotherBrowser => (other, callback.ToString()),
            _ => (browser, callback.ToString()),
        };
        if (badState == BadState.Replayed)
        {
            using var first = await browser.Http.GetAsync(callback);
            await ProviderSignInTests.AssertLandedAsync(first, "/");
        }

        using var answer = await sender.Http.GetAsync(url);

        await ProviderSignInTests.AssertRefusedAsync(answer, sender, HttpStatusCode.BadRequest, "Please start again",
            signedInBefore: badState == BadState.Replayed);
        Assert.Contains(log.WithEventId(SignInFailed), e => e.Scalar("FailureReason") == "bad-state");
        Assert.DoesNotContain(log.Events.SelectMany(LogEventText.TextsOf), text => text.Contains(query["code"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProviderSaysAccessDenied_NoSession_401_AuditLine()
    {
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, log: log);
        using var client = gateway.Host.CreateClient();

        // The person presses Cancel on the provider's login page: it answers error=access_denied.
        using var answer = await ProviderFlow.SignInAsync(client, gateway.Host, provider, login: null);

        await ProviderSignInTests.AssertRefusedAsync(answer, client, HttpStatusCode.Unauthorized, "did not sign you in");
        Assert.Contains(log.WithEventId(SignInFailed), e => e.Scalar("FailureReason") == "access-denied" && e.Scalar("Provider") == ProviderGateway.Name);
    }

    [Fact]
    public async Task ProviderDown_GatewayStartsAnyway_503Page_OtherWaysStillWork()
    {
        var log = new CapturingLogSink();
        await using var gateway = await ProviderGateway.StartAsync(provider, new Dictionary<string, string?>
        {
            ["Sso:OpenIdConnect:down:Authority"] = $"http://127.0.0.1:{FreePort.Closed}",
            ["Sso:OpenIdConnect:down:ClientId"] = "gateway",
            ["Sso:OpenIdConnect:down:DisplayName"] = "Down Provider",
        }, log: log);
        using var client = gateway.Host.CreateClient();

        using var down = await client.GetAsync(GatewayHost.App1, "/_sso/oidc/down/login?returnUrl=%2Fpage", asBrowser: true);
        var html = await down.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("Down Provider cannot be reached right now", html);
        Assert.Contains("href=\"/_sso/login?returnUrl=%2Fpage\"", html);
        Assert.DoesNotContain("   at ", html);
        Assert.Contains(log.WithEventId(3104), e => e.Scalar("Provider") == "down");

        // The sign-in page still offers everything; the password form and the other provider still sign people in.
        using (var page = await client.GetAsync(GatewayHost.App1, "/_sso/login", asBrowser: true))
        {
            var signIn = await page.Content.ReadAsStringAsync();
            Assert.Contains("Sign in with Down Provider", signIn);
            Assert.Contains("Sign in with idp", signIn);
            Assert.Contains("name=\"password\"", signIn);
        }
        using (var password = await client.SignInAsync(GatewayHost.App1, TestUsers.Bob))
        {
            Assert.Equal(HttpStatusCode.Found, password.StatusCode);
        }
        using var other = gateway.Host.CreateClient();
        await ProviderSignInTests.AssertLandedAsync(await ProviderFlow.SignInAsync(other, gateway.Host, provider, "ada"), "/");
    }

    private static string Callback(Uri callback, System.Collections.Specialized.NameValueCollection query, string? state)
    {
        var parts = query.AllKeys.Where(k => k != "state").Select(k => $"{k}={Uri.EscapeDataString(query[k]!)}").ToList();
        if (state is not null)
        {
            parts.Add("state=" + Uri.EscapeDataString(state));
        }
        return callback.GetLeftPart(UriPartial.Path) + "?" + string.Join('&', parts);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task ProviderDownAtStartup_ThenUp_SignInWorksWithoutARestart()
    {
        var providerPort = FreePort.Next();
        var client = new ProviderClient("late-client", "late-client-secret");
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:OpenIdConnect:late:Authority"] = $"http://127.0.0.1:{providerPort}",
            ["Sso:OpenIdConnect:late:ClientId"] = client.ClientId,
            ["Sso:OpenIdConnect:late:ClientSecret"] = client.ClientSecret,
        });
        using var browser = gateway.CreateClient();
        using (var down = await browser.GetAsync(GatewayHost.App1, "/_sso/oidc/late/login", asBrowser: true))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }

        await using var late = new OpenIdProviderFixture(providerPort, "late", gateway.Port, client);
        await late.InitializeAsync();

        // The discovery document is fetched again on the next sign-in: no restart, no waiting for a refresh interval.
        using var landed = await ProviderFlow.SignInAsync(browser, gateway, late, "grace", providerName: "late");
        await ProviderSignInTests.AssertLandedAsync(landed, "/");
        Assert.Equal("grace", (await browser.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task ProviderSignInAndLogout_AreAudited_AndNoSecretIsEverLogged()
    {
        var log = new CapturingLogSink();
        var settings = LogEventText.InformationSettings;
        await using var gateway = await ProviderGateway.StartAsync(provider, settings, log: log);
        using var client = gateway.Host.CreateClient();

        // A sign-in whose callback (code, state) the test sees, then a back-channel logout.
        using var stopped = await ProviderFlow.SignInAsync(client, gateway.Host, provider, "grace", stopBefore: ProviderFlow.IsCallback);
        var callback = new Uri(stopped.RequestMessage!.RequestUri!, stopped.Headers.Location!);
        using (var landed = await client.Http.GetAsync(callback))
        {
            await ProviderSignInTests.AssertLandedAsync(landed, "/");
        }
        var cookie = client.SessionCookie()!.Value;
        var token = LogoutTokens.Create(provider.SigningKey, provider.Issuer, gateway.Client.ClientId, sid: null, sub: "grace");
        using (var http = new HttpClient())
        using (var logout = await http.PostAsync($"http://127.0.0.1:{gateway.Host.Port}/_sso/oidc/idp/backchannel-logout", LogoutTokens.Form(token)))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        var signedIn = Assert.Single(log.WithEventId(3101));
        Assert.Equal(("grace", ProviderGateway.Name), (signedIn.Scalar("User"), signedIn.Scalar("Provider")));
        Assert.NotNull(signedIn.Scalar("ClientAddress"));
        Assert.Equal("grace", Assert.Single(log.WithEventId(3111)).Scalar("Users"));
        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);
        var secrets = new[] { gateway.Client.ClientSecret, cookie, token, query["code"]!, query["state"]! };
        var texts = log.Events.SelectMany(LogEventText.TextsOf).ToList();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(texts, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ProviderGoneBeforeTheCallback_NoSession_503Page()
    {
        // A provider of its own, stopped while the browser is on its way back with the code.
        var providerPort = FreePort.Next();
        var client = new ProviderClient("gone-client", "gone-client-secret");
        var log = new CapturingLogSink();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:OpenIdConnect:gone:Authority"] = $"http://127.0.0.1:{providerPort}",
            ["Sso:OpenIdConnect:gone:ClientId"] = client.ClientId,
            ["Sso:OpenIdConnect:gone:ClientSecret"] = client.ClientSecret,
        }, log.AddTo);
        var gone = new OpenIdProviderFixture(providerPort, "gone", gateway.Port, client);
        await gone.InitializeAsync();
        using var browser = gateway.CreateClient();
        using var stopped = await ProviderFlow.SignInAsync(browser, gateway, gone, "grace", providerName: "gone", stopBefore: ProviderFlow.IsCallback);
        var callback = new Uri(stopped.RequestMessage!.RequestUri!, stopped.Headers.Location!);
        await gone.DisposeAsync();

        using var answer = await browser.Http.GetAsync(callback);

        var html = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)answer.StatusCode} {html}");
        Assert.Contains("gone cannot be reached right now", html);
        Assert.Null(SetCookies.Raw(answer));
        Assert.Contains(log.WithEventId(SignInFailed), e => e.Scalar("FailureReason") == "provider-unreachable");
    }
}
