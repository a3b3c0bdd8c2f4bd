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

    /// <summary>
    /// Spellings a backend may read as the documented name: letter case (HTTP), and <c>_</c> or other punctuation
    /// for <c>-</c> (CGI-style servers such as PHP, WSGI and Rack fold them into one variable).
    /// </summary>
    public enum Spelling { AsDocumented, Lower, Upper, Mixed, Underscores, UnderscoresLower, UnderscoresUpper, OneUnderscore, Dots, MixedPunctuation }

    public static TheoryData<Spelling> Spellings => new(Enum.GetValues<Spelling>());

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
    [MemberData(nameof(Spellings))]
    public async Task ProtectedRoute_SpoofedIdentityHeaders_NeverReachBackend(Spelling spelling)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App2, "/", Spoofed(spelling));

        AssertRealBob(echoed);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task AnonymousRoute_SignedIn_SpoofedHeadersStripped_RealOnesAdded(Spelling spelling)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", Spoofed(spelling));

        AssertRealBob(echoed);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task AnonymousRoute_NotSignedIn_NoIdentityHeaderReachesBackend(Spelling spelling)
    {
        using var client = Gateway.CreateClient();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", Spoofed(spelling));

        foreach (var name in IdentityHeaders)
        {
            Assert.Null(echoed.Header(name));
        }
        AssertNoSpoofedValue(echoed);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task AnonymousRoute_ForwardingHeadersInOtherSpellings_NeverReachBackend(Spelling spelling)
    {
        using var client = Gateway.CreateClient();
        var spoofed = new[] { "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix" }
            .Select(name => Spelled(name, spelling))
            .ToDictionary(name => name, _ => "spoofed");

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", spoofed);

        Assert.Equal($"{GatewayHost.App1}:{Gateway.Port}", echoed.Header("X-Forwarded-Host"));
        Assert.Equal("http", echoed.Header("X-Forwarded-Proto"));
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
            ["x_remote_user"] = "spoofed",
            ["X_Remote.Groups"] = "spoofed",
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

    private static Dictionary<string, string> Spoofed(Spelling spelling) =>
        IdentityHeaders.Concat(ReservedHeaders).ToDictionary(name => Spelled(name, spelling), _ => "spoofed");

    private static string Spelled(string name, Spelling spelling) => spelling switch
    {
        Spelling.Lower => name.ToLowerInvariant(),
        Spelling.Upper => name.ToUpperInvariant(),
        Spelling.Mixed => string.Concat(name.Select((c, i) => i % 2 == 0 ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))),
        Spelling.Underscores => name.Replace('-', '_'),
        Spelling.UnderscoresLower => name.Replace('-', '_').ToLowerInvariant(),
        Spelling.UnderscoresUpper => name.Replace('-', '_').ToUpperInvariant(),
        Spelling.OneUnderscore => ReplaceLast(name, '-', '_'),
        Spelling.Dots => name.Replace('-', '.'),
        Spelling.MixedPunctuation => string.Concat(name.Select((c, i) => c == '-' ? (i % 2 == 0 ? '_' : '.') : c)),
        _ => name,
    };

    private static string ReplaceLast(string name, char from, char to)
    {
        var at = name.LastIndexOf(from);
        return name[..at] + to + name[(at + 1)..];
    }

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
