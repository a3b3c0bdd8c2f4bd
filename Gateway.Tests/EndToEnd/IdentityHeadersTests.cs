using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// What a backend receives (SPEC §7): the signed-in user's identity headers, never a spoofed one, never the
/// gateway's own session cookie.
/// </summary>
public abstract class IdentityHeadersTests : GatewayTestBase
{
    private static readonly string[] IdentityHeaders = ["X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Name", "X-Forwarded-Groups"];
    private static readonly string[] ReservedHeaders = ["X-Sso-User", "X-Sso-Session", "X-Sso-Groups", "X-Sso-Anything-Else"];

    public enum LetterCase { AsDocumented, Lower, Upper, Mixed }

    [Fact]
    public async Task SignedIn_BackendReceivesIdentityHeadersAndUsualForwardedHeaders()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/mail?folder=inbox");

        Assert.Equal("/mail?folder=inbox", echoed.Path);
        Assert.Equal("bob", echoed.Header("X-Forwarded-User"));
        Assert.Equal("bob@example.com", echoed.Header("X-Forwarded-Email"));
        Assert.Equal("Bob", echoed.Header("X-Forwarded-Name"));
        Assert.Equal("staff", echoed.Header("X-Forwarded-Groups"));
        Assert.Equal($"{GatewayHost.App1}:{Gateway.Port}", echoed.Header("X-Forwarded-Host"));
        Assert.Equal("http", echoed.Header("X-Forwarded-Proto"));
        Assert.NotNull(echoed.Header("X-Forwarded-For"));
    }

    [Theory]
    [InlineData(LetterCase.AsDocumented)]
    [InlineData(LetterCase.Lower)]
    [InlineData(LetterCase.Upper)]
    [InlineData(LetterCase.Mixed)]
    public async Task ProtectedRoute_SpoofedIdentityHeaders_NeverReachBackend(LetterCase letterCase)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/", Spoofed(letterCase));

        AssertRealBob(echoed);
    }

    [Theory]
    [InlineData(LetterCase.AsDocumented)]
    [InlineData(LetterCase.Lower)]
    [InlineData(LetterCase.Upper)]
    [InlineData(LetterCase.Mixed)]
    public async Task AnonymousRoute_SignedIn_SpoofedHeadersStripped_RealOnesAdded(LetterCase letterCase)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", Spoofed(letterCase));

        AssertRealBob(echoed);
    }

    [Theory]
    [InlineData(LetterCase.AsDocumented)]
    [InlineData(LetterCase.Lower)]
    [InlineData(LetterCase.Upper)]
    [InlineData(LetterCase.Mixed)]
    public async Task AnonymousRoute_NotSignedIn_NoIdentityHeaderReachesBackend(LetterCase letterCase)
    {
        using var client = Gateway.CreateClient();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", Spoofed(letterCase));

        foreach (var name in IdentityHeaders)
        {
            Assert.Null(echoed.Header(name));
        }
        AssertNoSpoofedValue(echoed);
    }

    [Fact]
    public async Task ConfiguredHeaderNames_AreTheOnesStrippedAndAdded()
    {
        var gateway = await StartGatewayAsync(new Dictionary<string, string?>
        {
            ["Sso:Headers:User"] = "X-Remote-User",
            ["Sso:Headers:Groups"] = "X-Remote-Groups",
        });
        using var client = gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/", new Dictionary<string, string>
        {
            ["x-remote-user"] = "spoofed",
            ["X-REMOTE-GROUPS"] = "spoofed",
        });

        Assert.Equal("alice", echoed.Header("X-Remote-User"));
        Assert.Equal("staff,admin", echoed.Header("X-Remote-Groups"));
        Assert.Equal("alice@example.com", echoed.Header("X-Forwarded-Email"));
        AssertNoSpoofedValue(echoed);
    }

    [Fact]
    public async Task SessionCookie_NeverReachesBackend_OtherCookiesDo()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var session = client.SessionCookie()!.Value;
        client.Cookies.Add(new Cookie("theme", "dark", "/", ".sso.localhost"));
        client.Cookies.Add(new Cookie("my_sso_session", "kept", "/", ".sso.localhost"));
        client.Cookies.Add(new Cookie("lang", "en", "/", GatewayHost.App2));

        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/");

        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
        var cookies = CookiePairs(echoed.Header("Cookie"));
        Assert.Contains("theme=dark", cookies);
        Assert.Contains("my_sso_session=kept", cookies);
        Assert.Contains("lang=en", cookies);
        Assert.DoesNotContain(cookies, c => c.StartsWith("sso_session=", StringComparison.Ordinal));
        Assert.DoesNotContain(echoed.Headers.Values, value => value.Contains(session, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnlyTheSessionCookie_BackendGetsNoCookieHeaderAtAll()
    {
        using var signedIn = Gateway.CreateClient();
        (await signedIn.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var session = signedIn.SessionCookie()!.Value;
        using var client = new BareClient(Gateway);

        using var response = await client.GetAsync(GatewayHost.App2, "/", cookie: $"sso_session={session}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echoed = EchoedRequest.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
        Assert.Null(echoed.Header("Cookie"));
    }

    [Fact]
    public async Task SessionCookieSentTwice_NeitherCopyReachesBackend()
    {
        using var signedIn = Gateway.CreateClient();
        (await signedIn.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var session = signedIn.SessionCookie()!.Value;
        using var client = new BareClient(Gateway);

        using var response = await client.GetAsync(GatewayHost.App2, "/",
            cookie: $"sso_session=stale-copy; theme=dark;sso_session={session}");

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var echoed = EchoedRequest.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
        Assert.Equal("theme=dark", echoed.Header("Cookie"));
    }

    [Fact]
    public async Task NonAsciiUser_HeadersArePercentEncodedUtf8()
    {
        using var client = Gateway.CreateClient();
        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Zhang);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);

        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/");

        Assert.Equal("%E5%BC%A0%E4%B8%89", echoed.Header("X-Forwarded-User"));
        Assert.Equal("%E5%BC%A0%E4%B8%89", echoed.Header("X-Forwarded-Name"));
        Assert.Equal("zhang@example.com", echoed.Header("X-Forwarded-Email"));
        Assert.Equal("staff,%E7%A0%94%E5%8F%91", echoed.Header("X-Forwarded-Groups"));
        Assert.Equal("张三", Uri.UnescapeDataString(echoed.Header("X-Forwarded-User")!));
    }

    private static Dictionary<string, string> Spoofed(LetterCase letterCase) =>
        IdentityHeaders.Concat(ReservedHeaders).ToDictionary(name => Cased(name, letterCase), _ => "spoofed");

    private static string Cased(string name, LetterCase letterCase) => letterCase switch
    {
        LetterCase.Lower => name.ToLowerInvariant(),
        LetterCase.Upper => name.ToUpperInvariant(),
        LetterCase.Mixed => string.Concat(name.Select((c, i) => i % 2 == 0 ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))),
        _ => name,
    };

    private static void AssertRealBob(EchoedRequest echoed)
    {
        Assert.Equal("bob", echoed.Header("X-Forwarded-User"));
        Assert.Equal("bob@example.com", echoed.Header("X-Forwarded-Email"));
        Assert.Equal("Bob", echoed.Header("X-Forwarded-Name"));
        Assert.Equal("staff", echoed.Header("X-Forwarded-Groups"));
        AssertNoSpoofedValue(echoed);
    }

    private static void AssertNoSpoofedValue(EchoedRequest echoed)
    {
        Assert.DoesNotContain(echoed.Headers.Keys, name => name.StartsWith("X-Sso-", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(echoed.Headers, header => header.Value.Contains("spoofed", StringComparison.Ordinal));
    }

    private static string[] CookiePairs(string? header) =>
        (header ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

public sealed class IdentityHeadersTests_InMemory : IdentityHeadersTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class IdentityHeadersTests_Redis(RedisServerFixture redis) : IdentityHeadersTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
