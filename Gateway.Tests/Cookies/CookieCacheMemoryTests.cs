using System.Net;
using System.Text.RegularExpressions;
using Gateway.AuthenticatedSessions;
using Gateway.Cookies;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Cookies;

/// <summary>
/// Memory exhaustion through the cookie caches: a valid session cookie value padded differently each time (percent-
/// encoded spaces and tabs, base64 padding, all of which Data Protection's decoder ignores) must not become a new cache
/// entry per request. Hammered against a real gateway: in process, the cache's own size; as its own process, its RSS.
/// </summary>
public sealed partial class CookieCacheMemoryTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-mem-").FullName;

    /// <summary>The <paramref name="i"/>-th padded variant of <paramref name="cookie"/>: each one different, each one decoding to the same ticket.</summary>
    private static string Variant(string cookie, int i, int padding)
    {
        var at = 1 + i % (cookie.Length - 1);
        return (i % 4) switch
        {
            0 => cookie[..at] + Repeat("%20", padding + i % 97) + cookie[at..],
            1 => cookie + Repeat("%20", padding + i % 89),
            2 => cookie[..at] + Repeat("%09", padding + i % 83) + cookie[at..],
            _ => Repeat("%20", i % 79) + cookie + "%3D" + Repeat("%20", padding),
        };
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    [Fact]
    public async Task PaddedVariantsOfAValidCookie_AreRefused_AndTheCacheDoesNotGrow()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var bob = gateway.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var cookie = bob.SessionCookie()!.Value;
        using var client = new BareClient(gateway);
        // A proxied route: the authenticated-session cache answers these.
        using (var asIssued = await client.GetAsync(GatewayHost.App1, "/", "sso_session=" + cookie))
        {
            Assert.Equal(HttpStatusCode.OK, asIssued.StatusCode);
        }
        var cache = gateway.Services.GetRequiredService<AuthenticatedSessionCache>();
        var before = (cache.Count, cache.ApproximateBytes);
        Assert.Equal(1, cache.Count);
        Assert.InRange(cache.ApproximateBytes, 1, AuthenticatedSessionCache.EntryOverheadBytes + 2 * IssuedFormTicketFormat.MaxValueLength);

        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            using var response = await client.GetAsync(GatewayHost.App1, "/", "sso_session=" + Variant(cookie, i, padding: 1 + i));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        });

        Assert.Equal(before, (cache.Count, cache.ApproximateBytes));
        using var stillWorks = await client.GetAsync(GatewayHost.App1, "/", "sso_session=" + cookie);
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
    }

    [Fact]
    public async Task GatewayProcess_HammeredWithPaddedCookies_KeepsItsMemoryFlat()
    {
        var usersFile = Path.Combine(_contentRoot, "users.json");
        await File.WriteAllTextAsync(usersFile, TestUsers.FileContent([TestUsers.Bob]));
        await using var gateway = GatewayProcess.Start(_contentRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            // Workstation GC: the measure is what the gateway keeps, not how much garbage a server GC lets pile up.
            ["DOTNET_gcServer"] = "0",
            ["Serilog__MinimumLevel__Default"] = "Warning",
            ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Information",
            ["Sso__Redis"] = "",
            ["Sso__CookieSecure"] = "false",
            ["Sso__UsersFile"] = usersFile,
            ["ReverseProxy__Routes__all__ClusterId"] = "nowhere",
            ["ReverseProxy__Routes__all__Match__Path"] = "{**catch-all}",
            ["ReverseProxy__Clusters__nowhere__Destinations__closed__Address"] = $"http://127.0.0.1:{FreePort.Closed}/",
        });
        var port = await gateway.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
        var cookie = await SignInAsync(port, TestUsers.Bob);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // About 27 KB of padding a request, within Kestrel's 32 KB header limit: each would have been a 20 KB cache key.
        async Task HammerAsync(int from, int count) =>
            await Parallel.ForEachAsync(Enumerable.Range(from, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/");
                request.Headers.TryAddWithoutValidation("Cookie", "sso_session=" + Variant(cookie, i, padding: 9000));
                using var response = await http.SendAsync(request);
                Assert.True((int)response.StatusCode < 500, $"answered {(int)response.StatusCode}");
            });

        await HammerAsync(0, 500);
        var warm = gateway.ResidentBytes();
        await HammerAsync(500, 5000);
        var after = gateway.ResidentBytes();

        // Measured: 4 to 8 MB of growth; without the bound the 5000 requests kept 64 MB.
        Assert.True(after - warm < 40 * 1024 * 1024, $"RSS grew from {warm / 1048576} MB to {after / 1048576} MB");
        using var check = new HttpRequestMessage(HttpMethod.Get, "/_sso/userinfo");
        check.Headers.TryAddWithoutValidation("Cookie", "sso_session=" + cookie);
        using var signedIn = await http.SendAsync(check);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    private static async Task<string> SignInAsync(int port, TestUsers.User user)
    {
        var jar = new CookieContainer();
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = jar, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };
        var form = await http.GetStringAsync("/_sso/login");
        var token = GatewayClient.FormToken(form);
        using var signIn = await http.PostAsync("/_sso/login",
            new FormUrlEncodedContent(GatewayClient.SignInForm(token, user.Username, user.Password, returnUrl: "/")));
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        return jar.GetCookies(new Uri($"http://127.0.0.1:{port}"))["sso_session"]!.Value;
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
