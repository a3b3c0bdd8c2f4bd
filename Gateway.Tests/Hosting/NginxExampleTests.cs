using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Every nginx file under deploy/ passes <c>nginx -t</c>, and the TLS example (deploy/nginx/ssogateway.conf as it is,
/// only its ports and certificate folder moved to this machine) carries real requests to a real gateway: a 9 KB
/// cookie, 12 KB of module response headers, https as the scheme the gateway believes, the client address, HSTS.
/// The certificate is made by scripts/make-dev-cert.sh, the one the Compose example uses.
/// </summary>
public sealed class NginxExampleTests(NginxExampleTests.TlsProxy proxy) : IClassFixture<NginxExampleTests.TlsProxy>
{
    /// <summary>The sets of files nginx loads together, as the examples deploy them.</summary>
    public static TheoryData<string> Deployments => new()
    {
        "deploy/nginx/ssogateway.conf deploy/nginx/upstream.conf",
        "deploy/nginx/ssogateway.conf deploy/compose/upstream.conf",
        "deploy/compose/backends.conf",
    };

    [Fact]
    public void EveryNginxFileUnderDeploy_IsCoveredByATest()
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "deploy"), "*.conf", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("deploy/redis/", StringComparison.Ordinal)) // Redis's own (RedisAclTests)
            .Where(f => !f.StartsWith("deploy/forward-auth/", StringComparison.Ordinal)) // run by ForwardAuth/NginxForwardAuthTests
            .Order();

        Assert.Equal(((IEnumerable<object[]>)Deployments).SelectMany(row => ((string)row[0]).Split(' ')).Distinct().Order(), files);
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task NginxFiles_PassNginxT(string files)
    {
        await using var nginx = new NginxConfig();
        await MakeCertificateAsync(nginx.Prefix);
        foreach (var file in files.Split(' '))
        {
            nginx.Include(file, ReplacementsFor(file, nginx.Prefix));
        }

        var (status, output) = await nginx.TestAsync();

        Assert.True(status == 0, output + File.ReadAllText(nginx.ErrorLog));
        Assert.Contains("syntax is ok", output);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task NineKilobyteCookie_ReachesTheGateway_ThroughTheTlsExample(string httpVersion)
    {
        var big = new string('c', 9 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Https("/public/page"))
        {
            Version = Version.Parse(httpVersion),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("Cookie", $"module_state={big}; theme=dark");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.66");
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await proxy.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        var echoed = EchoedRequest.Parse(body);
        Assert.Equal($"module_state={big}; theme=dark", echoed.Header("Cookie"));
        // The client's own X-Forwarded-For stops at nginx; the gateway believes nginx (a known proxy) about the rest.
        Assert.Equal(("https", "127.0.0.1"), (echoed.Header("X-Forwarded-Proto"), echoed.Header("X-Forwarded-For")));
        Assert.Equal("max-age=31536000; includeSubDomains", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
    }

    /// <summary>A module that sets many cookies at once: 12 KB of response headers, beyond nginx's default 4k buffer (502).</summary>
    [Fact]
    public async Task LargeModuleResponseHeaders_PassThroughTheTlsExample()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{GatewayHost.App2}:{proxy.TlsPort}/many-cookies/page");

        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Equal(TlsProxy.ModuleCookies, cookies.Count);
        Assert.All(cookies, c => Assert.Equal(TlsProxy.ModuleCookieLength, c.Length));
    }

    [Fact]
    public async Task SignInRedirect_ThroughTheTlsExample_StaysOnHttps()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Https("/page"));
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var page = $"https://{GatewayHost.App1}/page";
        Assert.Equal($"https://{GatewayHost.App1}/_sso/login?returnUrl={Uri.EscapeDataString(page)}", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task PlainHttp_IsRedirectedToHttps()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{GatewayHost.App1}:{proxy.PlainPort}/inbox?x=1");

        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal($"https://{GatewayHost.App1}/inbox?x=1", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task HeaderWithUnderscores_IsDroppedByNginx()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, proxy.Https("/public/page"));
        request.Headers.TryAddWithoutValidation("X_Forwarded_User", "mallory");
        request.Headers.TryAddWithoutValidation("X_Module_Hint", "kept-out");

        using var response = await proxy.Client.SendAsync(request);

        var echoed = EchoedRequest.Parse(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(echoed.Headers.Keys, name => name.Contains('_'));
    }

    private static (string, string)[] ReplacementsFor(string file, string prefix) => file switch
    {
        "deploy/nginx/ssogateway.conf" => [("/etc/nginx/tls/", prefix + "/")],
        // Compose service names resolve only inside Compose's network.
        "deploy/compose/upstream.conf" => [("server gateway1:8080", "server 127.0.0.1:8080"), ("server gateway2:8080", "server 127.0.0.2:8080")],
        _ => [],
    };

    private static async Task MakeCertificateAsync(string folder)
    {
        using var script = Process.Start(new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "scripts", "make-dev-cert.sh"), folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var error = script.StandardError.ReadToEndAsync();
        await script.StandardOutput.ReadToEndAsync();
        await script.WaitForExitAsync();
        Assert.True(script.ExitCode == 0, await error);
    }

    /// <summary>One gateway (trusting 127.0.0.1, where nginx connects from) behind the TLS example, for the class.</summary>
    public sealed class TlsProxy : IAsyncLifetime
    {
        public const int ModuleCookies = 6, ModuleCookieLength = 2048;

        private readonly NginxConfig _nginx = new();
        private GatewayHost _gateway = null!;
        private WebApplication _module = null!;

        public HttpClient Client { get; private set; } = null!;

        public int TlsPort { get; } = FreePort.Next();

        public int PlainPort { get; } = FreePort.Next();

        public string Https(string path) => $"https://{GatewayHost.App1}:{TlsPort}{path}";

        public async Task InitializeAsync()
        {
            _module = await StartManyCookiesModuleAsync();
            _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
            {
                ["Sso:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
                ["ReverseProxy:Routes:many-cookies:ClusterId"] = "many-cookies",
                ["ReverseProxy:Routes:many-cookies:AuthorizationPolicy"] = "anonymous",
                ["ReverseProxy:Routes:many-cookies:Match:Hosts:0"] = GatewayHost.App2,
                ["ReverseProxy:Routes:many-cookies:Match:Path"] = "/many-cookies/{**rest}",
                ["ReverseProxy:Clusters:many-cookies:Destinations:d1:Address"] = _module.Urls.First(),
            });
            await MakeCertificateAsync(_nginx.Prefix);
            _nginx.Include("deploy/nginx/ssogateway.conf",
                ("/etc/nginx/tls/", _nginx.Prefix + "/"),
                ("listen 443 ssl http2;", $"listen 127.0.0.1:{TlsPort} ssl http2;"),
                ("listen [::]:443 ssl http2;", ""),
                ("listen 80;", $"listen 127.0.0.1:{PlainPort};"),
                ("listen [::]:80;", ""));
            // The operator's part: the upstream naming the gateway instances.
            _nginx.IncludeText("upstream.conf", $"upstream ssogateway {{ server 127.0.0.1:{_gateway.Port}; keepalive 4; }}");
            await _nginx.StartAsync(TlsPort);

            var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_nginx.Prefix, "example.com.fullchain.pem"));
            Client = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                // *.sso.localhost is not resolved by .NET: every name goes to nginx on loopback.
                ConnectCallback = async (context, token) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, token);
                    return new NetworkStream(socket, ownsSocket: true);
                },
                // The self-signed certificate made above, and no other (its names are example.com's, not the test host's).
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
                },
            });
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            await _nginx.DisposeAsync();
            await _gateway.DisposeAsync();
            await _module.DisposeAsync();
        }

        private static async Task<WebApplication> StartManyCookiesModuleAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var module = builder.Build();
            module.Run(context =>
            {
                for (var i = 0; i < ModuleCookies; i++)
                {
                    var prefix = $"module{i}=";
                    context.Response.Headers.Append("Set-Cookie", prefix + new string('v', ModuleCookieLength - prefix.Length));
                }
                return context.Response.WriteAsync("ok");
            });
            await module.StartAsync();
            return module;
        }
    }
}
