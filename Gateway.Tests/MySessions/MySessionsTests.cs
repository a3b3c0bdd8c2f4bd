using System.Net;
using Gateway.Sessions;
using Gateway.Tests.EndToEnd;
using Gateway.Tests.TestInfrastructure;
using static Gateway.Tests.MySessions.MySessionsClient;

namespace Gateway.Tests.MySessions;

/// <summary>
/// People list and end their own sessions at <c>/_sso/sessions</c>, and only their own. Run once per session store,
/// with the gateway's test settings (no <c>Sso:LoginHost</c>: the page answers on every host).
/// </summary>
public abstract class MySessionsTests : GatewayTestBase
{
    [Fact]
    public async Task List_ShowsOnlyTheUsersOwnSessions_WithDeviceBrowserAndThisSession_NeverAnIdOrKey()
    {
        using var laptop = await SignedInAsync(Gateway, TestUsers.Alice, WindowsChrome);
        using var phone = await SignedInAsync(Gateway, TestUsers.Alice, IPhoneSafari);
        using var bob = await SignedInAsync(Gateway, TestUsers.Bob, WindowsChrome);

        var listing = await ListAsync(phone);

        Assert.Equal("alice", listing.GetProperty("user").GetString());
        var sessions = SessionsOf(listing);
        Assert.Equal(2, sessions.Count);
        var current = Assert.Single(sessions, s => s.GetProperty("current").GetBoolean());
        Assert.Equal("iPhone", current.GetProperty("device").GetString());
        Assert.Equal("Safari 18", current.GetProperty("browser").GetString());
        var other = Assert.Single(sessions, s => !s.GetProperty("current").GetBoolean());
        Assert.Equal("Windows", other.GetProperty("device").GetString());
        Assert.Equal("Chrome 131", other.GetProperty("browser").GetString());
        Assert.All(sessions, s =>
        {
            Assert.Equal(SessionKey.HandleLength, s.GetProperty("handle").GetString()!.Length);
            Assert.Equal("127.0.0.1", s.GetProperty("clientAddress").GetString());
            Assert.True(s.GetProperty("createdAt").GetDateTimeOffset() <= s.GetProperty("lastSeenAt").GetDateTimeOffset());
            Assert.True(s.GetProperty("lastSeenAt").GetDateTimeOffset() < s.GetProperty("expiresAt").GetDateTimeOffset());
        });
        Assert.Equal(current.GetProperty("handle").GetString(), CurrentHandle(listing));

        // Neither the JSON nor the page carries anything that could become a cookie, nor anything of Bob's.
        using var page = await phone.GetAsync(GatewayHost.App1, Page, asBrowser: true);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("This session", html);
        Assert.Contains("Chrome 131 on Windows", html);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        var bobHandle = CurrentHandle(await ListAsync(bob));
        foreach (var client in new[] { laptop, phone, bob })
        {
            var cookie = client.SessionCookie()!.Value;
            var sessionId = Gateway.SessionIdOf(cookie)!;
            foreach (var secret in new[] { cookie, sessionId, SessionKey.FromSessionId(sessionId).Value, SessionKey.FromSessionId(sessionId).Value[..20] })
            {
                Assert.DoesNotContain(secret, listing.GetRawText());
                Assert.DoesNotContain(secret, html);
            }
        }
        Assert.DoesNotContain(bobHandle, listing.GetRawText());
        Assert.DoesNotContain(bobHandle, html);
    }

    [Fact]
    public async Task EndOne_ThatDeviceIsSignedOut_ThisOneAndOtherUsersStay()
    {
        using var laptop = await SignedInAsync(Gateway, TestUsers.Alice, WindowsChrome);
        using var phone = await SignedInAsync(Gateway, TestUsers.Alice, IPhoneSafari);
        using var bob = await SignedInAsync(Gateway, TestUsers.Bob);
        var laptopHandle = CurrentHandle(await ListAsync(laptop));

        using var response = await EndAsync(Gateway, phone, laptopHandle);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(Page + "?ended=1", response.Headers.Location?.OriginalString);
        Assert.False(await IsSignedInAsync(laptop));
        Assert.True(await IsSignedInAsync(phone));
        Assert.True(await IsSignedInAsync(bob));
        using var after = await phone.GetAsync(GatewayHost.App1, Page + "?ended=1", asBrowser: true);
        Assert.Contains("1 session ended.", await after.Content.ReadAsStringAsync());
        Assert.Single(SessionsOf(await ListAsync(phone)));

        using var again = await EndAsync(Gateway, phone, laptopHandle, json: true);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task EndOthers_LeavesOnlyThisSession()
    {
        using var first = await SignedInAsync(Gateway, TestUsers.Alice, WindowsChrome);
        using var second = await SignedInAsync(Gateway, TestUsers.Alice, IPhoneSafari);
        using var third = await SignedInAsync(Gateway, TestUsers.Alice);
        using var bob = await SignedInAsync(Gateway, TestUsers.Bob);
        var handles = new HashSet<string> { CurrentHandle(await ListAsync(second)), CurrentHandle(await ListAsync(third)) };

        using var response = await PostAsync(Gateway, first, EndOthers,
            new Dictionary<string, string> { ["__antiforgery"] = await FormTokenAsync(first) }, json: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(handles, json.RootElement.GetProperty("ended").EnumerateArray().Select(e => e.GetString()!).ToHashSet());
        Assert.False(json.RootElement.GetProperty("signedOut").GetBoolean());
        Assert.False(await IsSignedInAsync(second));
        Assert.False(await IsSignedInAsync(third));
        Assert.True(await IsSignedInAsync(first));
        Assert.True(await IsSignedInAsync(bob));
        Assert.Single(SessionsOf(await ListAsync(first)));
    }

    [Fact]
    public async Task EndThisSession_SignsOut()
    {
        using var laptop = await SignedInAsync(Gateway, TestUsers.Alice);
        using var phone = await SignedInAsync(Gateway, TestUsers.Alice);

        using var response = await EndAsync(Gateway, laptop, CurrentHandle(await ListAsync(laptop)));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/_sso/login", response.Headers.Location?.OriginalString);
        Assert.Contains(SetCookies.All(response), c => c.StartsWith("sso_session=;", StringComparison.Ordinal));
        Assert.False(await IsSignedInAsync(laptop));
        Assert.True(await IsSignedInAsync(phone));
    }

    public static TheoryData<string> ForeignHandles => new()
    {
        "{bob}", "{bob-lower}", "{bob-upper}", " {bob}", "{bob} ", "{bob}x", "{bob}\u0000", "AAAAAAAAAAAA", "", "not-a-handle",
        "../../admin", "{bob},{alice-other}", "%2F%2F",
    };

    [Theory]
    [MemberData(nameof(ForeignHandles))]
    public async Task EndingAHandleThatIsNotYourLiveSession_IsRefused_AndNothingEnds(string handleTemplate)
    {
        using var alice = await SignedInAsync(Gateway, TestUsers.Alice);
        using var aliceOther = await SignedInAsync(Gateway, TestUsers.Alice);
        using var bob = await SignedInAsync(Gateway, TestUsers.Bob);
        var bobHandle = CurrentHandle(await ListAsync(bob));
        var handle = handleTemplate.Replace("{bob}", bobHandle).Replace("{bob-lower}", bobHandle.ToLowerInvariant())
            .Replace("{bob-upper}", bobHandle.ToUpperInvariant()).Replace("{alice-other}", CurrentHandle(await ListAsync(aliceOther)));

        using var response = await EndAsync(Gateway, alice, handle, json: true);

        // 404 (no such session of yours); a NUL in the form is refused earlier, as a bad request.
        Assert.Equal(handle.Contains('\0') ? HttpStatusCode.BadRequest : HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(await IsSignedInAsync(bob));
        Assert.True(await IsSignedInAsync(alice));
        Assert.True(await IsSignedInAsync(aliceOther));
        Assert.Equal(2, SessionsOf(await ListAsync(alice)).Count);
        Assert.Single(SessionsOf(await ListAsync(bob)));
    }

    public static TheoryData<string, string, string, int> CrossSiteRequests => new()
    {
        // path, header, value, status
        { End, "Origin", "http://evil.test", 403 },
        { End, "Origin", "http://app2.sso.localhost:{port}", 403 },
        { End, "Origin", "https://app1.sso.localhost:{port}", 403 },
        { End, "Origin", "http://app1.sso.localhost.evil.test:{port}", 403 },
        { End, "Origin", "null", 403 },
        { End, "Sec-Fetch-Site", "cross-site", 403 },
        { End, "Sec-Fetch-Site", "same-site", 403 },
        { End, "-", "no token", 400 },
        { End, "-", "a made-up token", 400 },
        { End, "-", "Bob's token", 400 },
        { EndOthers, "Origin", "http://blog.sso.localhost", 403 },
        { EndOthers, "Sec-Fetch-Site", "same-site", 403 },
        { EndOthers, "-", "no token", 400 },
        { EndOthers, "-", "Bob's token", 400 },
    };

    [Theory]
    [MemberData(nameof(CrossSiteRequests))]
    public async Task Posts_FromAnotherOriginOrWithoutTheFormsToken_AreRefused_AndNothingEnds(string path, string header, string value, int status)
    {
        using var laptop = await SignedInAsync(Gateway, TestUsers.Alice);
        using var phone = await SignedInAsync(Gateway, TestUsers.Alice);
        using var bob = await SignedInAsync(Gateway, TestUsers.Bob);
        var laptopHandle = CurrentHandle(await ListAsync(laptop));
        var token = value switch
        {
            "no token" => null,
            "a made-up token" => "CfDJ8" + new string('A', 150),
            "Bob's token" => await FormTokenAsync(bob),
            _ => await FormTokenAsync(phone),
        };
        var form = new Dictionary<string, string> { ["handle"] = laptopHandle };
        if (token is not null)
        {
            form["__antiforgery"] = token;
        }
        (string, string)? extra = header == "-" ? null : (header, value.Replace("{port}", Gateway.Port.ToString()));

        using var response = await PostAsync(Gateway, phone, path, form, json: true, header: extra);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.True(await IsSignedInAsync(laptop));
        Assert.True(await IsSignedInAsync(phone));
        Assert.Equal(2, SessionsOf(await ListAsync(phone)).Count);
    }

    [Fact]
    public async Task SameOriginPost_FromTheBrowser_Works()
    {
        using var laptop = await SignedInAsync(Gateway, TestUsers.Alice);
        using var phone = await SignedInAsync(Gateway, TestUsers.Alice);
        var form = new Dictionary<string, string> { ["__antiforgery"] = await FormTokenAsync(phone), ["handle"] = CurrentHandle(await ListAsync(laptop)) };

        using var response = await PostAsync(Gateway, phone, End, form, header: ("Origin", $"http://{GatewayHost.App1}:{Gateway.Port}"));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.False(await IsSignedInAsync(laptop));
    }

    [Fact]
    public async Task NotSignedIn_BrowserGoesToSignIn_ScriptsGet401_PostsEndNothing()
    {
        using var alice = await SignedInAsync(Gateway, TestUsers.Alice);
        var handle = CurrentHandle(await ListAsync(alice));
        using var anonymous = Gateway.CreateClient();

        using var browser = await anonymous.GetAsync(GatewayHost.App1, Page, asBrowser: true);
        Assert.Equal(HttpStatusCode.Found, browser.StatusCode);
        Assert.Equal(Gateway.Url(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(Gateway.Url(GatewayHost.App1, Page))),
            browser.Headers.Location?.OriginalString);
        using var script = await anonymous.GetAsync(GatewayHost.App1, Page);
        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
        foreach (var path in new[] { End, EndOthers })
        {
            using var post = await PostAsync(Gateway, anonymous, path, new Dictionary<string, string> { ["handle"] = handle });
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }
        Assert.True(await IsSignedInAsync(alice));
    }

    [Theory]
    [InlineData("PUT", Page)]
    [InlineData("POST", Page)]
    [InlineData("DELETE", Page)]
    [InlineData("GET", End)]
    [InlineData("GET", "/_sso/sessions/other")]
    [InlineData("POST", "/_sso/sessions/end/more")]
    public async Task OtherMethodsAndPaths_Are404_NeverForwarded(string method, string path)
    {
        using var alice = await SignedInAsync(Gateway, TestUsers.Alice);

        using var response = await alice.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), Gateway.Url(GatewayHost.App1, path)));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("\"backend\"", await response.Content.ReadAsStringAsync());
    }
}

public sealed class MySessionsTests_InMemory : MySessionsTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class MySessionsTests_Redis(RedisServerFixture redis) : MySessionsTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
