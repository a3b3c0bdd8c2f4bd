using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.ForwardAuth;

/// <summary>
/// <c>GET /_sso/auth</c> over real sockets: the answers (200 with identity headers, 401 with the sign-in URL, 403,
/// 400), the policy from <c>?policy=</c>, and the original URL from a trusted proxy's headers. The gateway trusts
/// 127.0.0.1 only, so requests from 127.0.0.2 are from an untrusted client.
/// </summary>
public sealed class ForwardAuthEndpointTests(ForwardAuthEndpointTests.Gateway fixture) : IClassFixture<ForwardAuthEndpointTests.Gateway>
{
    private const string Trusted = "127.0.0.1", Untrusted = "127.0.0.2";

    public sealed class Gateway : IAsyncLifetime
    {
        public GatewayHost Host { get; private set; } = null!;
        public string Alice { get; private set; } = "";
        public string Bob { get; private set; } = "";
        public string Zhang { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Host = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Sso:ForwardAuth:TrustedProxies:0"] = "127.0.0.1/32" });
            Alice = await ForwardAuthRequests.SessionCookieAsync(Host, TestUsers.Alice);
            Bob = await ForwardAuthRequests.SessionCookieAsync(Host, TestUsers.Bob);
            Zhang = await ForwardAuthRequests.SessionCookieAsync(Host, TestUsers.Zhang);
        }

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    private readonly ForwardAuthRequests _proxy = new(fixture.Host, Trusted);
    private readonly ForwardAuthRequests _stranger = new(fixture.Host, Untrusted);

    private static readonly (string, string)[] TraefikPage =
    [
        ("X-Forwarded-Method", "GET"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "mail.sso.localhost"), ("X-Forwarded-Uri", "/inbox?folder=2"),
    ];

    [Fact]
    public async Task SignedIn_DefaultPolicy_Answers200WithIdentityHeaders()
    {
        using var response = await _proxy.AskAsync(cookie: fixture.Alice, headers: TraefikPage);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alice", Header(response, "X-Forwarded-User"));
        Assert.Equal("alice@example.com", Header(response, "X-Forwarded-Email"));
        Assert.Equal("Alice Admin", Header(response, "X-Forwarded-Name"));
        Assert.Equal("staff,admin", Header(response, "X-Forwarded-Groups"));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task NonAsciiIdentity_IsPercentEncodedLikeProxiedRequests()
    {
        using var response = await _proxy.AskAsync(cookie: fixture.Zhang);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("%E5%BC%A0%E4%B8%89", Header(response, "X-Forwarded-User"));
        Assert.Equal("staff,%E7%A0%94%E5%8F%91", Header(response, "X-Forwarded-Groups"));
    }

    public static TheoryData<string, string, HttpStatusCode> PolicyOutcomes => new()
    {
        { "", "alice", HttpStatusCode.OK },
        { "?policy=default", "bob", HttpStatusCode.OK },
        { "?policy=DEFAULT", "bob", HttpStatusCode.OK },
        { "?policy=admins", "alice", HttpStatusCode.OK },
        { "?policy=Admins", "alice", HttpStatusCode.OK },
        { "?policy=admins", "bob", HttpStatusCode.Forbidden },
        { "?policy=bob-only", "bob", HttpStatusCode.OK },
        { "?policy=bob-only", "alice", HttpStatusCode.Forbidden },
        { "?policy=anonymous", "bob", HttpStatusCode.OK },
        { "?policy=anonymous", "", HttpStatusCode.OK },
        { "?policy=admins", "", HttpStatusCode.Unauthorized },
        { "?policy=default", "", HttpStatusCode.Unauthorized },
        { "", "", HttpStatusCode.Unauthorized },
        { "?policy=admins&redirect=false", "bob", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(PolicyOutcomes))]
    public async Task PolicyFromQuery_DecidesTheAnswer(string query, string user, HttpStatusCode expected)
    {
        using var response = await _proxy.AskAsync(query, CookieOf(user), asBrowser: false);

        Assert.Equal(expected, response.StatusCode);
        // A 200 always carries the headers (empty without a session); other answers never do.
        Assert.Equal(expected != HttpStatusCode.OK ? null : user, Header(response, "X-Forwarded-User"));
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        }
    }

    public static TheoryData<string, string> BadParameters => new()
    {
        { "?policy=auditors", "unknown_policy" },
        { "?policy=admins%00", "unknown_policy" },
        { "?policy=" + new string('a', 5000), "unknown_policy" },
        { "?policy=../admins", "unknown_policy" },
        { "?policy=", "bad_request" },
        { "?policy=%20", "bad_request" },
        { "?policy", "bad_request" },
        { "?policy=admins&policy=anonymous", "bad_request" },
        { "?policy=anonymous&policy=admins", "bad_request" },
        { "?redirect=yes", "bad_request" },
        { "?redirect=true&redirect=false", "bad_request" },
    };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task BadPolicyOrParameter_Is400_ForEveryone(string query, string error)
    {
        foreach (var cookie in new[] { fixture.Alice, null })
        {
            using var response = await _proxy.AskAsync(query, cookie);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(Header(response, "X-Forwarded-User"));
            Assert.Equal(error, await ErrorOf(response));
        }
    }

    [Fact]
    public async Task NotSignedIn_Browser_Gets401WithSignInUrlInBodyAndLocation()
    {
        using var response = await _proxy.AskAsync(headers: TraefikPage);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var expected = $"https://mail.sso.localhost/_sso/login?returnUrl={Uri.EscapeDataString("https://mail.sso.localhost/inbox?folder=2")}";
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unauthenticated", body.RootElement.GetProperty("error").GetString());
        Assert.Equal(expected, body.RootElement.GetProperty("login").GetString());
    }

    public static TheoryData<string, string?, string, bool> NotNavigations => new()
    {
        { "API call", null, "GET", false },
        { "POST of a form", "text/html", "POST", false },
        { "XHR", "text/html", "GET", true },
    };

    [Theory]
    [MemberData(nameof(NotNavigations))]
    public async Task NotSignedIn_NotABrowserNavigation_Gets401WithoutLocation_EvenInRedirectMode(string kind, string? accept, string method, bool xhr)
    {
        (string, string)[] headers = [("X-Forwarded-Method", method), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "mail.sso.localhost"), ("X-Forwarded-Uri", "/send")];
        if (xhr)
        {
            headers = [.. headers, ("X-Requested-With", "XMLHttpRequest")];
        }

        foreach (var query in new[] { "", "?redirect=true" })
        {
            using var response = await _proxy.AskAsync(query, headers: headers, asBrowser: accept is not null);

            Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{kind} {query}: {(int)response.StatusCode}");
            Assert.Null(response.Headers.Location);
            Assert.Equal("unauthenticated", await ErrorOf(response));
        }
    }

    [Fact]
    public async Task RedirectMode_BrowserNavigation_Gets302ToSignIn()
    {
        using var response = await _proxy.AskAsync("?policy=admins&redirect=true", headers: TraefikPage);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("https://mail.sso.localhost/inbox?folder=2", ForwardAuthRequests.ReturnUrlOf(response.Headers.Location!.OriginalString));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    /// <summary>How each proxy describes <c>https://mail.sso.localhost/inbox?folder=2</c>.</summary>
    public static TheoryData<string, (string, string)[]> ProxyDialects => new()
    {
        { "Traefik", TraefikPage },
        { "Caddy (X-Forwarded-Proto/Host from reverse_proxy)", [("X-Forwarded-Method", "GET"), ("X-Forwarded-Uri", "/inbox?folder=2"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "mail.sso.localhost")] },
        { "nginx X-Original-URL", [("X-Original-URL", "https://mail.sso.localhost/inbox?folder=2")] },
        { "nginx X-Original-URL, upper-case scheme", [("X-Original-URL", "HTTPS://mail.sso.localhost/inbox?folder=2")] },
        { "nginx X-Original-URI with proto and host", [("X-Original-URI", "/inbox?folder=2"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "mail.sso.localhost")] },
        { "nginx X-Original-URL wins over X-Original-URI", [("X-Original-URL", "https://mail.sso.localhost/inbox?folder=2"), ("X-Original-URI", "/elsewhere")] },
    };

    [Theory]
    [MemberData(nameof(ProxyDialects))]
    public async Task OriginalUrl_FromATrustedProxy_BecomesTheReturnUrl(string dialect, (string, string)[] headers)
    {
        using var response = await _proxy.AskAsync(headers: headers);

        Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, dialect);
        Assert.Equal("https://mail.sso.localhost/inbox?folder=2", ForwardAuthRequests.ReturnUrlOf(response.Headers.Location!.OriginalString));
        Assert.StartsWith("https://mail.sso.localhost/_sso/login?", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task OriginalUri_WithoutForwardedHost_UsesTheRequestHost()
    {
        using var response = await _proxy.AskAsync(headers: [("X-Original-URI", "/inbox")], host: "mail.sso.localhost");

        Assert.Equal($"http://mail.sso.localhost:{fixture.Host.Port}/inbox", ForwardAuthRequests.ReturnUrlOf(response.Headers.Location!.OriginalString));
    }

    /// <summary>Everything a client might send to make the gateway evaluate or return to another URL.</summary>
    public static TheoryData<string, (string, string)[]> Spoofs => new()
    {
        { "Traefik family", [("X-Forwarded-Method", "GET"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.test"), ("X-Forwarded-Uri", "/phish")] },
        { "own domain", [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "mail.sso.localhost"), ("X-Forwarded-Uri", "/delete-everything")] },
        { "X-Original-URL", [("X-Original-URL", "https://evil.test/phish")] },
        { "X-Original-URL on our domain", [("X-Original-URL", "https://mail.sso.localhost/delete-everything")] },
        { "X-Original-URI", [("X-Original-URI", "/delete-everything")] },
        { "lower-case names", [("x-original-url", "https://mail.sso.localhost/x"), ("x-forwarded-uri", "/y")] },
        { "method only (a POST disguised as a navigation)", [("X-Forwarded-Method", "GET")] },
        { "both families", [("X-Original-URL", "https://mail.sso.localhost/x"), ("X-Forwarded-Uri", "/y"), ("X-Forwarded-Host", "evil.test")] },
        { "malformed", [("X-Forwarded-Host", "evil.test, mail.sso.localhost"), ("X-Forwarded-Proto", "javascript")] },
    };

    [Theory]
    [MemberData(nameof(Spoofs))]
    public async Task SpoofedForwardingHeaders_FromAnUntrustedClient_ChangeNothing(string spoof, (string, string)[] headers)
    {
        using var plain = await _stranger.AskAsync(host: GatewayHost.App1);
        using var spoofed = await _stranger.AskAsync(headers: headers, host: GatewayHost.App1);

        Assert.True(HttpStatusCode.Unauthorized == spoofed.StatusCode, spoof);
        var login = $"http://{GatewayHost.App1}:{fixture.Host.Port}/_sso/login?returnUrl=%2F";
        Assert.Equal(login, plain.Headers.Location?.OriginalString);
        Assert.Equal(login, spoofed.Headers.Location?.OriginalString);
        Assert.Equal(await plain.Content.ReadAsStringAsync(), await spoofed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SpoofedMethod_FromAnUntrustedClient_DoesNotMakeAPostANavigation()
    {
        using var response = await _stranger.AskAsync("?redirect=true", headers: [("X-Forwarded-Method", "GET")], method: HttpMethod.Post);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task UntrustedClient_WithASession_StillGetsItsOwnAnswer()
    {
        using var allowed = await _stranger.AskAsync("?policy=admins", fixture.Alice, [("X-Original-URL", "https://evil.test/")]);
        using var refused = await _stranger.AskAsync("?policy=admins", fixture.Bob, [("X-Original-URL", "https://evil.test/")]);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("alice", Header(allowed, "X-Forwarded-User"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    /// <summary>Return URLs a trusted proxy may pass on from a hostile link; each must come back as this safe form.</summary>
    public static TheoryData<string, (string, string)[], string> HostileReturnUrls => new()
    {
        { "foreign host", [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.test"), ("X-Forwarded-Uri", "/")], "/" },
        { "look-alike host", [("X-Original-URL", "https://mail.sso.localhost.evil.test/")], "/" },
        { "suffix host", [("X-Original-URL", "https://evilsso.localhost/")], "/" },
        { "trailing-dot host", [("X-Original-URL", "https://mail.sso.localhost./")], "/" },
        { "scheme-relative path", [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "mail.sso.localhost"), ("X-Forwarded-Uri", "//evil.test/x")], "https://mail.sso.localhost//evil.test/x" },
        { "backslash path", [("X-Original-URL", "https://mail.sso.localhost/\\evil.test")], "/" },
        { "encoded slashes", [("X-Original-URL", "https://mail.sso.localhost/%2F%2Fevil.test")], "https://mail.sso.localhost/%2F%2Fevil.test" },
        { "query only", [("X-Original-URL", "https://mail.sso.localhost?next=https://evil.test")], "https://mail.sso.localhost/?next=https://evil.test" },
    };

    [Theory]
    [MemberData(nameof(HostileReturnUrls))]
    public async Task HostileOriginalUrl_FromATrustedProxy_NeverBecomesAForeignReturnUrl(string kind, (string, string)[] headers, string expected)
    {
        using var response = await _proxy.AskAsync(headers: headers);

        Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{kind}: {(int)response.StatusCode}");
        Assert.Equal(expected, ForwardAuthRequests.ReturnUrlOf(response.Headers.Location!.OriginalString));
    }

    /// <summary>What no proxy sends: refused (400) rather than guessed at, signed in or not.</summary>
    public static TheoryData<string, (string, string)[]> Malformed => new()
    {
        { "both families", [("X-Original-URL", "https://mail.sso.localhost/x"), ("X-Forwarded-Uri", "/y")] },
        { "X-Original-URI and X-Forwarded-Uri", [("X-Original-URI", "/x"), ("X-Forwarded-Uri", "/y")] },
        { "two hosts in a list", [("X-Forwarded-Host", "mail.sso.localhost, evil.test"), ("X-Forwarded-Uri", "/")] },
        { "two host lines", [("X-Forwarded-Host", "mail.sso.localhost"), ("X-Forwarded-Host", "evil.test"), ("X-Forwarded-Uri", "/")] },
        { "two URL lines", [("X-Original-URL", "https://mail.sso.localhost/a"), ("X-Original-URL", "https://evil.test/")] },
        { "proto list", [("X-Forwarded-Proto", "https,http"), ("X-Forwarded-Uri", "/")] },
        { "javascript scheme", [("X-Forwarded-Proto", "javascript"), ("X-Forwarded-Uri", "/")] },
        { "javascript URL", [("X-Original-URL", "javascript:alert(1)//https://mail.sso.localhost/")] },
        { "relative X-Original-URL", [("X-Original-URL", "/inbox")] },
        { "user-info host", [("X-Forwarded-Host", "mail.sso.localhost@evil.test"), ("X-Forwarded-Uri", "/")] },
        { "user-info URL", [("X-Original-URL", "https://mail.sso.localhost@evil.test/")] },
        { "host with path", [("X-Forwarded-Host", "evil.test/x"), ("X-Forwarded-Uri", "/")] },
        { "host with bad port", [("X-Forwarded-Host", "mail.sso.localhost:99999"), ("X-Forwarded-Uri", "/")] },
        { "empty host", [("X-Forwarded-Host", ""), ("X-Forwarded-Uri", "/")] },
        { "URI without slash", [("X-Forwarded-Uri", "evil.test/x")] },
        { "URI as absolute URL", [("X-Forwarded-Uri", "https://evil.test/x")] },
        { "fragment URL", [("X-Original-URL", "https://mail.sso.localhost#@evil.test")] },
        { "method not a method", [("X-Forwarded-Method", "GET /x"), ("X-Forwarded-Uri", "/")] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedDescription_FromATrustedProxy_Is400(string kind, (string, string)[] headers)
    {
        foreach (var cookie in new[] { null, fixture.Alice })
        {
            using var response = await _proxy.AskAsync(cookie: cookie, headers: headers);

            Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{kind}: {(int)response.StatusCode}");
            Assert.Equal("bad_forwarded_request", await ErrorOf(response));
            Assert.Null(Header(response, "X-Forwarded-User"));
        }
    }

    [Theory]
    [InlineData("HEAD")]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task AnyMethod_IsAnswered_AsNginxAsksWithTheBrowsersMethod(string method)
    {
        using var response = await _proxy.AskAsync("?policy=admins", fixture.Alice, method: new HttpMethod(method));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alice", Header(response, "X-Forwarded-User"));
    }

    private string? CookieOf(string user) => user switch
    {
        "alice" => fixture.Alice,
        "bob" => fixture.Bob,
        _ => null,
    };

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static async Task<string?> ErrorOf(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetString();
    }
}
