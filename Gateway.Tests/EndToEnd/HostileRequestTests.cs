using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Requests an attacker sends on purpose, against the real gateway: each gets a 4xx from the gateway or from
/// Kestrel's limits, never a 5xx, and the gateway goes on serving a signed-in user. Run once per session store.
/// </summary>
public abstract class HostileRequestTests : GatewayTestBase
{
    private readonly CapturingLogSink _log = new();

    protected override Task<GatewayHost> StartDefaultGatewayAsync() => StartGatewayAsync(services: _log.AddTo);

    [Fact]
    public async Task OversizedCookieHeader_Gets431()
    {
        var response = await RawHttp.SendAsync(Gateway.Port, Get("/", $"Cookie: sso_session={new string('a', 40_000)}\r\n"));

        Assert.Equal(431, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task OversizedHeaderValue_Gets431()
    {
        var response = await RawHttp.SendAsync(Gateway.Port, Get("/", $"X-Padding: {new string('b', 40_000)}\r\n"));

        Assert.Equal(431, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ThousandHeaders_Gets431()
    {
        var headers = string.Concat(Enumerable.Range(0, 1000).Select(i => $"X-H{i}: {i}\r\n"));

        var response = await RawHttp.SendAsync(Gateway.Port, Get("/", headers));

        Assert.Equal(431, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task OversizedUrl_Gets414()
    {
        var response = await RawHttp.SendAsync(Gateway.Port, Get("/?q=" + new string('c', 20_000), ""));

        Assert.Equal(414, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ManySessionCookies_LastOneCounts_NeverAnError()
    {
        var valid = await SignedInCookieValueAsync();
        var junk = string.Join("; ", Enumerable.Range(0, 200).Select(i => $"sso_session=junk{i}"));

        // The framework keeps the last cookie of a name, and only that one is unprotected and looked up. Browsers
        // send same-path cookies oldest first, so the newest sign-in wins over a stale host-only cookie.
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync($"{junk}; sso_session={valid}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiStatusAsync($"sso_session={valid}; {junk}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiStatusAsync(junk));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task SessionCookieInUrlParameter_IsIgnored()
    {
        var valid = await SignedInCookieValueAsync();
        using var client = Gateway.CreateClient();

        using var api = await client.GetAsync(GatewayHost.App1, "/data?sso_session=" + Uri.EscapeDataString(valid));
        using var page = await client.GetAsync(GatewayHost.App1, "/page?sso_session=" + Uri.EscapeDataString(valid), asBrowser: true);
        using var userInfo = await client.GetAsync(GatewayHost.App1, "/_sso/userinfo?sso_session=" + Uri.EscapeDataString(valid));

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("bare CR in a value", "X-Test: a\rX-Forwarded-User: mallory\r\n")]
    [InlineData("NUL in a value", "X-Test: a\0b\r\n")]
    [InlineData("a line without a colon after CRLF", "X-Test: a\r\nX-Forwarded-User mallory\r\n")]
    [InlineData("obsolete line folding", "X-Test: a\r\n X-Forwarded-User: mallory\r\n")]
    [InlineData("space before the colon", "X-Forwarded-User : mallory\r\n")]
    public async Task ControlCharactersInHeaders_Get400(string attack, string headers)
    {
        var response = await RawHttp.SendAsync(Gateway.Port, Get("/public/x", headers));

        Assert.True(response.StatusCode == 400, $"{attack}: got {response.StatusCode}");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task BareLineFeedInHeader_NeverSmugglesAnIdentityHeader()
    {
        var response = await RawHttp.SendAsync(Gateway.Port, Get("/public/x", "X-Test: a\nX-Forwarded-User: mallory\r\n"));

        // Kestrel either refuses the bare LF, or reads two headers, and then the gateway strips the identity one.
        Assert.True(response.StatusCode is 400 or 200, $"got {response.StatusCode}");
        Assert.DoesNotContain("mallory", response.Body);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task NonUtf8BytesInSignInForm_GetWrongCredentials()
    {
        using var client = Gateway.CreateClient();
        var token = await client.GetSignInTokenAsync(GatewayHost.App1);
        var body = new List<byte>(Encoding.ASCII.GetBytes($"__antiforgery={Uri.EscapeDataString(token)}&returnUrl=%2F&username=al"));
        body.AddRange([0xFF, 0xFE, 0xC3, 0x28]);
        body.AddRange(Encoding.ASCII.GetBytes("ice&password=%FF%FE%C3%28%ED%A0%80"));

        using var response = await client.Http.PostAsync(Gateway.Url(GatewayHost.App1, "/_sso/login"), FormBytes(body.ToArray()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(client.SessionCookie());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TenMegabyteSignInPost_IsRefusedBeforeTheBodyArrives()
    {
        const string head = "POST /_sso/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
            "Content-Length: {length}\r\nConnection: close\r\n\r\n";

        var response = await RawHttp.SendPartialBodyAsync(Gateway.Port, head.Replace("{host}", HostHeader), 10 * 1024 * 1024, sent: 64 * 1024);

        Assert.True(response.StatusCode is 400 or 413, $"got {response.StatusCode}");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TenMegabyteChunkedSignInPost_IsRefused()
    {
        var chunk = new string('a', 1024 * 1024);
        var request = new StringBuilder($"POST /_sso/login HTTP/1.1\r\nHost: {HostHeader}\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for (var i = 0; i < 10; i++)
        {
            request.Append($"{chunk.Length:X}\r\n{chunk}\r\n");
        }
        request.Append("0\r\n\r\n");

        var response = await RawHttp.SendAsync(Gateway.Port, request.ToString());

        Assert.True(response.StatusCode is 400 or 413, $"got {response.StatusCode}");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task SignInPostWithThousandsOfFields_Gets400()
    {
        using var client = Gateway.CreateClient();
        var token = await client.GetSignInTokenAsync(GatewayHost.App1);
        var fields = string.Concat(Enumerable.Range(0, 3000).Select(i => $"&f{i}="));
        var body = Encoding.ASCII.GetBytes($"__antiforgery={Uri.EscapeDataString(token)}&username=alice&password={TestUsers.AlicePassword}{fields}");

        using var response = await client.Http.PostAsync(Gateway.Url(GatewayHost.App1, "/_sso/login"), FormBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(client.SessionCookie());
        await AssertStillServingAsync();
    }

    private string HostHeader => $"{GatewayHost.App1}:{Gateway.Port}";

    private string Get(string target, string headers) =>
        $"GET {target} HTTP/1.1\r\nHost: {HostHeader}\r\nAccept: application/json\r\n{headers}Connection: close\r\n\r\n";

    private static ByteArrayContent FormBytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        return content;
    }

    private async Task<string> SignedInCookieValueAsync()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        return client.SessionCookie()!.Value;
    }

    private async Task<HttpStatusCode> ApiStatusAsync(string cookieHeader)
    {
        var response = await RawHttp.SendAsync(Gateway.Port, Get("/api", $"Cookie: {cookieHeader}\r\n"));
        return (HttpStatusCode)response.StatusCode;
    }

    /// <summary>After the attack: a user signs in and reaches a backend, and nothing failed inside the gateway.</summary>
    private async Task AssertStillServingAsync()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Bob);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/after-attack");
        Assert.Equal("bob", echoed.Header("X-Forwarded-User"));
        Assert.Empty(_log.WithEventId(900));
    }
}

public sealed class HostileRequestTests_InMemory : HostileRequestTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class HostileRequestTests_Redis(RedisServerFixture redis) : HostileRequestTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
