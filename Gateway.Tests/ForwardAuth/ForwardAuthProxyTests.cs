using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Demo;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.ForwardAuth;

/// <summary>
/// The shipped configurations in deploy/forward-auth/, run for real: nginx (auth_request) and Caddy (forward_auth) from
/// Debian, with those very files (only addresses and ports moved to this machine), in front of an echo backend
/// that has no session code. A browser that is not signed in ends on the sign-in page, signs in there and lands back
/// on the URL it asked for, with the identity headers at the backend; nothing a browser sends can stand in for them.
/// </summary>
public abstract class ForwardAuthProxyTests(ForwardAuthProxyTests.Front front)
{
    public const string AppHost = "app.sso.localhost";

    /// <summary>A gateway, an echo backend and another proxy in front of it; started once per test class.</summary>
    public abstract class Front : IAsyncLifetime
    {
        private EchoBackend? _backend;

        public GatewayHost Gateway { get; private set; } = null!;

        public int Port { get; } = FreePort.Next();

        public string BackendAddress => new Uri(_backend!.Url).Authority;

        public string Url(string pathAndQuery) => $"http://{AppHost}:{Port}{pathAndQuery}";

        public async Task InitializeAsync()
        {
            _backend = await EchoBackend.StartAsync("app", "http://127.0.0.1:0");
            Gateway = await GatewayHost.StartAsync();
            await StartProxyAsync();
        }

        protected abstract Task StartProxyAsync();

        protected abstract ValueTask StopProxyAsync();

        public async Task DisposeAsync()
        {
            await StopProxyAsync();
            await Gateway.DisposeAsync();
            await _backend!.DisposeAsync();
        }
    }

    [Fact]
    public async Task Browser_NotSignedIn_SignsInThroughTheProxy_AndLandsOnTheOriginalUrl()
    {
        using var browser = new ProxyBrowser();
        var original = front.Url("/inbox/42?folder=a%20b&sort=date");

        using var signInPage = await browser.NavigateAsync(original);
        var html = await signInPage.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, signInPage.StatusCode);
        Assert.StartsWith(front.Url("/_sso/login?returnUrl="), browser.Visited[^1]);
        Assert.Equal(original, ForwardAuthRequests.ReturnUrlOf(browser.Visited[^1]));

        using var signedIn = await browser.SubmitSignInAsync(browser.Visited[^1], html, TestUsers.Zhang);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        Assert.Equal(original, signedIn.Headers.Location!.OriginalString);

        using var landed = await browser.NavigateAsync(original);
        var page = await landed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        Assert.Equal([original], browser.Visited);
        Assert.Contains("Demo backend <em>app</em>", page);
        Assert.Equal("%E5%BC%A0%E4%B8%89", HeaderOnPage(page, "x-forwarded-user"));
        Assert.Equal("staff,%E7%A0%94%E5%8F%91", HeaderOnPage(page, "x-forwarded-groups"));
        Assert.Equal("zhang@example.com", HeaderOnPage(page, "x-forwarded-email"));
        var echoed = await EchoAsync(browser, "/inbox/42?folder=a%20b&sort=date");
        Assert.Equal("/inbox/42?folder=a%20b&sort=date", echoed.Path);
    }

    [Fact]
    public async Task ApiCall_NotSignedIn_Gets401_NeverARedirect()
    {
        using var browser = new ProxyBrowser();

        using var response = await browser.GetAsync(front.Url("/api/items"), asBrowser: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unauthenticated", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task PolicyPerLocation_RefusesNonMembers_AndAdmitsMembers()
    {
        using var bob = await SignedInAsync(TestUsers.Bob);
        using var alice = await SignedInAsync(TestUsers.Alice);

        using var refused = await bob.GetAsync(front.Url("/admin/users"), asBrowser: false);
        var admitted = await EchoAsync(alice, "/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(("alice", "staff,admin"), (admitted.Header("X-Forwarded-User"), admitted.Header("X-Forwarded-Groups")));
    }

    [Fact]
    public async Task PublicLocation_AdmitsEveryone_TellingTheBackendWhoIsSignedIn()
    {
        using var stranger = new ProxyBrowser();
        using var bob = await SignedInAsync(TestUsers.Bob);

        var anonymous = await EchoAsync(stranger, "/public/news");
        var signedIn = await EchoAsync(bob, "/public/news");

        // nginx sends no header for an empty value; Caddy sends it empty.
        Assert.True(string.IsNullOrEmpty(anonymous.Header("X-Forwarded-User")), anonymous.Header("X-Forwarded-User"));
        Assert.Equal("bob", signedIn.Header("X-Forwarded-User"));
    }

    /// <summary>Spellings of the identity headers a browser might send, hoping the backend reads them as the real ones.</summary>
    public static TheoryData<string> SpoofedIdentityHeaders => new()
    {
        "X-Forwarded-User", "x-forwarded-user", "X-FORWARDED-USER", "X_Forwarded_User", "x_forwarded_user",
        "X-Forwarded_User", "X_Forwarded-User", "x-forwarded_user", "X_FORWARDED-user",
    };

    [Theory]
    [MemberData(nameof(SpoofedIdentityHeaders))]
    public async Task SpoofedIdentityHeader_NeverReachesTheBackend(string name)
    {
        using var stranger = new ProxyBrowser();
        using var bob = await SignedInAsync(TestUsers.Bob);
        (string, string)[] spoof = [(name, "alice"), (name.Replace("User", "Groups", StringComparison.OrdinalIgnoreCase), "admin")];

        var anonymous = await EchoAsync(stranger, "/public/x", spoof);
        var signedIn = await EchoAsync(bob, "/inbox", spoof);
        using var admin = await bob.GetAsync(front.Url("/admin/x"), asBrowser: false, headers: spoof);

        Assert.DoesNotContain(anonymous.Headers, h => ReservedName(h.Key) && h.Value.Length > 0);
        Assert.DoesNotContain(signedIn.Headers, h => ReservedName(h.Key) && h.Value.Contains("alice"));
        Assert.Equal(("bob", "staff"), (signedIn.Header("X-Forwarded-User"), signedIn.Header("X-Forwarded-Groups")));
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
    }

    /// <summary>A browser's own words about "the original request": the proxy's description must win.</summary>
    public static TheoryData<string, string, string> SpoofedDescriptions => new()
    {
        { "X-Original-URL", "X-Original-URL", "http://evil.test/phish" },
        { "X-Original-URL on our domain", "X-Original-URL", "http://mail.sso.localhost/elsewhere" },
        { "X-Original-URI", "X-Original-URI", "/elsewhere" },
        { "X-Forwarded-Uri", "X-Forwarded-Uri", "/elsewhere" },
        { "X-Forwarded-Host", "X-Forwarded-Host", "evil.test" },
        { "X-Forwarded-Host on our domain", "X-Forwarded-Host", "mail.sso.localhost" },
        { "X-Forwarded-Proto", "X-Forwarded-Proto", "https" },
        { "X-Forwarded-Method", "X-Forwarded-Method", "POST" },
    };

    [Theory]
    [MemberData(nameof(SpoofedDescriptions))]
    public async Task SpoofedDescription_ThroughTheProxy_DoesNotChangeTheReturnUrl(string kind, string name, string value)
    {
        using var browser = new ProxyBrowser();
        var original = front.Url("/reports?year=2026");

        using var signInPage = await browser.NavigateAsync(original, [(name, value)]);

        Assert.True(signInPage.StatusCode == HttpStatusCode.OK && browser.Visited.Count == 2,
            $"{kind}: {(int)signInPage.StatusCode} via {string.Join(" -> ", browser.Visited)}");
        Assert.Equal(front.Url("/_sso/login?returnUrl=" + Uri.EscapeDataString(original)), browser.Visited[1]);
    }

    [Fact]
    public async Task SignOut_ThroughTheProxy_SendsTheNextPageToSignIn()
    {
        using var browser = await SignedInAsync(TestUsers.Bob);
        Assert.Equal("bob", (await EchoAsync(browser, "/inbox")).Header("X-Forwarded-User"));

        using var signOutPage = await browser.GetAsync(front.Url("/_sso/logout"));
        var token = GatewayClient.FormToken(await signOutPage.Content.ReadAsStringAsync());
        using (var signOut = await browser.Http.PostAsync(front.Url("/_sso/logout"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__antiforgery"] = token })))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
        }

        using var next = await browser.NavigateAsync(front.Url("/inbox"));
        Assert.StartsWith(front.Url("/_sso/login?"), browser.Visited[^1]);
    }

    private async Task<ProxyBrowser> SignedInAsync(TestUsers.User user)
    {
        var browser = new ProxyBrowser();
        using var page = await browser.NavigateAsync(front.Url("/"));
        using var signedIn = await browser.SubmitSignInAsync(browser.Visited[^1], await page.Content.ReadAsStringAsync(), user);
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        return browser;
    }

    private async Task<EchoedRequest> EchoAsync(ProxyBrowser browser, string pathAndQuery, IEnumerable<(string, string)>? headers = null)
    {
        using var response = await browser.GetAsync(front.Url(pathAndQuery), asBrowser: false, headers: headers);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{pathAndQuery}: {(int)response.StatusCode} {body}");
        return EchoedRequest.Parse(body);
    }

    private static bool ReservedName(string name) =>
        Regex.IsMatch(name, "^x[-_]forwarded[-_](user|email|name|groups)$", RegexOptions.IgnoreCase);

    private static string? HeaderOnPage(string html, string name)
    {
        var match = Regex.Match(html, $"data-header=\"{Regex.Escape(name)}\">([^<]*)<");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }
}

/// <summary>deploy/forward-auth/nginx/app.conf as it is, its addresses and port moved to this machine.</summary>
public sealed class NginxForwardAuthTests(NginxForwardAuthTests.NginxFront front) : ForwardAuthProxyTests(front), IClassFixture<NginxForwardAuthTests.NginxFront>
{
    public const string File = "deploy/forward-auth/nginx/app.conf";

    public sealed class NginxFront : Front
    {
        private readonly NginxConfig _nginx = new();

        protected override async Task StartProxyAsync()
        {
            _nginx.Include(File,
                ("server 127.0.0.1:8080;", $"server 127.0.0.1:{Gateway.Port};"),
                ("server 127.0.0.1:3000;", $"server {BackendAddress};"),
                ("listen 80;", $"listen 127.0.0.1:{Port};"),
                ("server_name app.example.com;", $"server_name {AppHost};"));
            await _nginx.StartAsync(Port);
        }

        protected override ValueTask StopProxyAsync() => _nginx.DisposeAsync();
    }
}

/// <summary>deploy/forward-auth/caddy/Caddyfile as it is, its addresses and port moved to this machine.</summary>
public sealed class CaddyForwardAuthTests(CaddyForwardAuthTests.CaddyFront front) : ForwardAuthProxyTests(front), IClassFixture<CaddyForwardAuthTests.CaddyFront>
{
    public const string File = "deploy/forward-auth/caddy/Caddyfile";

    public sealed class CaddyFront : Front
    {
        private readonly CaddyServer _caddy = new();

        protected override async Task StartProxyAsync()
        {
            var file = _caddy.Include(File,
                ("reverse_proxy 127.0.0.1:8080", $"reverse_proxy 127.0.0.1:{Gateway.Port}"),
                ("forward_auth 127.0.0.1:8080", $"forward_auth 127.0.0.1:{Gateway.Port}"),
                ("reverse_proxy 127.0.0.1:3000", $"reverse_proxy {BackendAddress}"),
                ("app.example.com {", $"http://{AppHost}:{Port} {{\n\tbind 127.0.0.1"));
            await _caddy.StartAsync(Port, file);
        }

        protected override ValueTask StopProxyAsync() => _caddy.DisposeAsync();
    }
}
