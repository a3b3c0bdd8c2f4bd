using System.Net;
using Gateway.Demo;
using Gateway.Hosting;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The repository's <c>config/</c> examples, mounted as an operator would (content root with <c>config/gateway.json</c>
/// and <c>config/users.json</c>) in the Production environment, behind a TLS-terminating proxy as in deploy/ (every
/// request carries <c>X-Forwarded-Proto: https</c>, and the proxy, 127.0.0.1, is named in <c>Sso:ForwardedHeaders:KnownProxies</c>). Only Redis and the
/// backend addresses are overridden, the way deploy/ does with environment variables. If an example rots, these fail.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ExampleConfigurationTests(RedisServerFixture redis) : IAsyncLifetime
{
    /// <summary>The example user's password, as deploy/README.md states it (an example only).</summary>
    private const string AlicePassword = "alice-example-password";

    private static readonly string[] Modules = ["www", "mail", "blog", "shop"];

    private readonly List<EchoBackend> _backends = [];
    private WebApplication _app = null!;
    private string _contentRoot = null!;
    private HttpClient _http = null!;
    private readonly CookieContainer _jar = new();

    public async Task InitializeAsync()
    {
        _contentRoot = Directory.CreateTempSubdirectory("ssogw-example-").FullName;
        var config = Directory.CreateDirectory(Path.Combine(_contentRoot, "config")).FullName;
        foreach (var file in new[] { "gateway.json", "users.json" })
        {
            File.Copy(Path.Combine(RepositoryRoot.Path, "config", file), Path.Combine(config, file));
        }

        var overrides = new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Sso:Redis"] = redis.ConnectionString,
            ["Sso:RedisKeyPrefix"] = $"t{Guid.NewGuid():N}:",
            ["Sso:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        };
        foreach (var module in Modules)
        {
            var backend = await EchoBackend.StartAsync(module, "http://127.0.0.1:0");
            _backends.Add(backend);
            overrides[$"ReverseProxy:Clusters:{module}:Destinations:d1:Address"] = backend.Url;
        }

        // As Program.cs builds it, from command-line arguments.
        var builder = WebApplication.CreateBuilder(
        [
            "--environment=Production",
            $"--contentRoot={_contentRoot}",
            $"--applicationName={typeof(GatewayHostingExtensions).Assembly.GetName().Name}",
            "--urls=http://127.0.0.1:0",
            .. overrides.Select(kv => $"--{kv.Key}={kv.Value}"),
        ]);
        builder.AddSsoGateway();
        _app = builder.Build();
        _app.ValidateGatewayConfiguration();
        _app.MapSsoGateway();
        await _app.StartAsync();
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri(_app.Urls.First()),
        };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
        Directory.Delete(_contentRoot, recursive: true);
    }

    [Fact]
    public async Task ExampleConfiguration_StartsAndIsReadyWithRedis()
    {
        using var response = await SendAsync(HttpMethod.Get, "www.example.com", "/_sso/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>YARP's default (100 s without a byte) would cut WebSockets and server-sent events before nginx's 310 s.</summary>
    [Fact]
    public void ExampleClusters_AllowFiveMinutesOfSilence_LessThanTheProxyInFront()
    {
        var lookup = _app.Services.GetRequiredService<IProxyStateLookup>();

        foreach (var module in Modules)
        {
            Assert.True(lookup.TryGetCluster(module, out var cluster), module);
            Assert.Equal(TimeSpan.FromMinutes(5), cluster.Model.Config.HttpRequest?.ActivityTimeout);
        }
    }

    [Fact]
    public async Task ProtectedModule_WithoutSession_RedirectsBrowsersAndRefusesApiCalls()
    {
        using var navigation = await SendAsync(HttpMethod.Get, "mail.example.com", "/inbox", browser: true);
        using var apiCall = await SendAsync(HttpMethod.Get, "mail.example.com", "/api/messages");

        Assert.Equal(HttpStatusCode.Found, navigation.StatusCode);
        Assert.Equal("https://mail.example.com/_sso/login?returnUrl=" + Uri.EscapeDataString("https://mail.example.com/inbox"),
            navigation.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, apiCall.StatusCode);
    }

    [Fact]
    public async Task PublicModule_ForwardsAnonymously_AndStripsSpoofedIdentity()
    {
        using var response = await SendAsync(HttpMethod.Get, "www.example.com", "/", headers: new() { ["X-Forwarded-User"] = "mallory" });

        var echoed = EchoedRequest.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("www", echoed.Backend);
        Assert.Null(echoed.Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task ExampleUser_SignsInOnWww_IsKnownOnEveryModule_AndPoliciesApply()
    {
        using var form = await SendAsync(HttpMethod.Get, "www.example.com", "/_sso/login", browser: true);
        var token = GatewayClient.FormToken(await form.Content.ReadAsStringAsync());
        using var signIn = await SendAsync(HttpMethod.Post, "www.example.com", "/_sso/login", browser: true,
            form: GatewayClient.SignInForm(token, "alice", AlicePassword, returnUrl: "https://mail.example.com/inbox"));

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal("https://mail.example.com/inbox", signIn.Headers.Location!.ToString());
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("sso_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("domain=.example.com", cookie);
        Assert.Contains("secure", cookie);
        Assert.Contains("httponly", cookie);

        using var mail = await SendAsync(HttpMethod.Get, "mail.example.com", "/inbox");
        var echoed = EchoedRequest.Parse(await mail.Content.ReadAsStringAsync());
        Assert.Equal(("mail", "alice", "staff,admin"), (echoed.Backend, echoed.Header("X-Forwarded-User"), echoed.Header("X-Forwarded-Groups")));
        using var blogAdmin = await SendAsync(HttpMethod.Get, "blog.example.com", "/admin/posts");
        Assert.Equal(HttpStatusCode.OK, blogAdmin.StatusCode);
        using var shopManage = await SendAsync(HttpMethod.Get, "shop.example.com", "/manage/orders");
        Assert.Equal(HttpStatusCode.Forbidden, shopManage.StatusCode);
    }

    /// <summary>
    /// One request to the gateway as the TLS proxy forwards it: <paramref name="host"/> in <c>Host</c>,
    /// <c>X-Forwarded-Proto: https</c>. Cookies are kept as a browser on <c>https://{host}</c> keeps them.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string host, string path, bool browser = false,
        Dictionary<string, string>? headers = null, Dictionary<string, string>? form = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = form is null ? null : new FormUrlEncodedContent(form) };
        request.Headers.Host = host;
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "198.51.100.20");
        request.Headers.Accept.ParseAdd(browser ? "text/html" : "application/json");
        var secureUri = new Uri($"https://{host}{path}");
        if (_jar.GetCookieHeader(secureUri) is { Length: > 0 } cookies)
        {
            request.Headers.Add("Cookie", cookies);
        }
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await _http.SendAsync(request);
        foreach (var setCookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            _jar.SetCookies(secureUri, setCookie);
        }
        return response;
    }
}
