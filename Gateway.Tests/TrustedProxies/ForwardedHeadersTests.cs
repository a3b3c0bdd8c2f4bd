using System.Net;
using Gateway.TrustedProxies;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.TrustedProxies;

/// <summary>
/// Behind a TLS-terminating proxy the gateway must see the browser's scheme and address, from that proxy only:
/// <c>Sso:ForwardedHeaders:KnownProxies</c> / <c>KnownNetworks</c> / <c>ForwardLimit</c>. Every client here connects
/// from 127.0.0.1 over a real socket, so "trusted" means 127.0.0.1 is named, "untrusted" that something else is.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const int SignInFailed = 3002, LockedOut = 3004;

    private static readonly Dictionary<string, string> FromProxy = new()
    {
        ["X-Forwarded-Proto"] = "https",
        ["X-Forwarded-For"] = "203.0.113.7",
    };

    private static Dictionary<string, string?> Trusting(params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => $"{TrustedProxyOptions.SectionName}:{s.Key}", s => (string?)s.Value);

    [Fact]
    public async Task FromTrustedProxy_LoginRedirectStaysOnHttps()
    {
        await using var gateway = await GatewayHost.StartAsync(Trusting(("KnownProxies:0", "127.0.0.1")));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(GatewayHost.App1, "/page", asBrowser: true, headers: FromProxy);

        var original = $"https://{GatewayHost.App1}:{gateway.Port}/page";
        Assert.Equal($"https://{GatewayHost.App1}:{gateway.Port}/_sso/login?returnUrl={Uri.EscapeDataString(original)}",
            response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task FromTrustedProxy_BackendSeesBrowserSchemeAndAddress()
    {
        await using var gateway = await GatewayHost.StartAsync(Trusting(("KnownNetworks:0", "127.0.0.0/8")));
        using var client = gateway.CreateClient();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", FromProxy);

        Assert.Equal("https", echoed.Header("X-Forwarded-Proto"));
        Assert.Equal("203.0.113.7", echoed.Header("X-Forwarded-For"));
    }

    public static TheoryData<string, Dictionary<string, string?>> UntrustedSenders => new()
    {
        { "no proxy configured (the default)", [] },
        { "another proxy", Trusting(("KnownProxies:0", "10.0.0.5"), ("KnownProxies:1", "::1")) },
        { "another network", Trusting(("KnownNetworks:0", "10.0.0.0/8"), ("KnownNetworks:1", "fd00::/8"), ("ForwardLimit", "3")) },
    };

    [Theory]
    [MemberData(nameof(UntrustedSenders))]
    public async Task FromUntrustedSender_ForwardedSchemeAndAddress_AreIgnored(string sender, Dictionary<string, string?> settings)
    {
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(GatewayHost.App1, "/page", asBrowser: true, headers: FromProxy);
        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", FromProxy);

        Assert.True(response.Headers.Location!.ToString().StartsWith($"http://{GatewayHost.App1}:{gateway.Port}/_sso/login?", StringComparison.Ordinal), sender);
        Assert.Equal(("http", "127.0.0.1"), (echoed.Header("X-Forwarded-Proto"), echoed.Header("X-Forwarded-For")));
    }

    /// <summary>Spellings of "I am someone else" a client may send; each names a different address.</summary>
    private static readonly string[] SpoofedForwardedFor =
    [
        "203.0.113.1",
        "203.0.113.2, 198.51.100.2",
        "2001:db8::3",
        "[2001:db8::4]:443",
        "198.51.100.5:1234",
        "unknown, 203.0.113.6",
        "10.0.0.7",
        "127.0.0.8",
    ];

    public static TheoryData<string, Dictionary<string, string?>, bool> LockoutSenders => new()
    {
        { "no proxy configured (the default)", [], true },
        { "another proxy", Trusting(("KnownProxies:0", "10.0.0.5")), true },
        { "another network, many hops allowed", Trusting(("KnownNetworks:0", "10.0.0.0/8"), ("ForwardLimit", "10")), true },
        // The control: when 127.0.0.1 is the trusted proxy, each spoofed address counts on its own, so no lockout.
        { "the trusted proxy itself", Trusting(("KnownProxies:0", "127.0.0.1")), false },
    };

    [Theory]
    [MemberData(nameof(LockoutSenders))]
    public async Task SpoofedForwardedFor_FromUntrustedSender_ChangesNeitherLockoutNorLoggedAddress(
        string sender, Dictionary<string, string?> settings, bool untrusted)
    {
        var log = new CapturingLogSink();
        var maxFailures = SpoofedForwardedFor.Length - 1;
        settings = new Dictionary<string, string?>(settings)
        {
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Sso:Lockout:MaxFailures"] = maxFailures.ToString(),
        };
        await using var gateway = await GatewayHost.StartAsync(settings, log.AddTo);
        using var client = gateway.CreateClient();

        // A different unknown username each time: only the address counter can add up.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < SpoofedForwardedFor.Length; i++)
        {
            var token = await client.GetSignInTokenAsync(GatewayHost.App1);
            using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url(GatewayHost.App1, "/_sso/login"))
            {
                Content = new FormUrlEncodedContent(GatewayClient.SignInForm(token, $"nobody-{i}", "guess")),
            };
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", SpoofedForwardedFor[i]);
            using var response = await client.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        var logged = log.WithEventId(SignInFailed).Concat(log.WithEventId(LockedOut)).Select(e => e.Scalar("ClientAddress")).ToList();
        Assert.Equal(SpoofedForwardedFor.Length, logged.Count);
        if (untrusted)
        {
            Assert.True(statuses.Take(maxFailures).All(s => s == HttpStatusCode.Unauthorized) && statuses[^1] == HttpStatusCode.TooManyRequests,
                $"{sender}: {string.Join(", ", statuses)}");
            Assert.All(logged, address => Assert.Equal("127.0.0.1", address));
        }
        else
        {
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
            Assert.DoesNotContain("127.0.0.1", logged);
        }
    }

    public static TheoryData<string[], string[], int, string, string> Hops => new()
    {
        // trusted proxies, trusted networks, ForwardLimit, X-Forwarded-For, the address the gateway uses
        { ["127.0.0.1"], [], 1, "203.0.113.9, 198.51.100.1", "198.51.100.1" },
        { [], ["127.0.0.0/8", "198.51.100.0/24"], 2, "203.0.113.9, 198.51.100.1", "203.0.113.9" },
        // The second hop is not a known proxy: whatever it claims stays unbelieved.
        { [], ["127.0.0.0/8"], 2, "203.0.113.9, 198.51.100.1", "198.51.100.1" },
        { ["127.0.0.1", "198.51.100.1"], [], 1, "203.0.113.9, 198.51.100.1", "198.51.100.1" },
        { ["127.0.0.1", "198.51.100.1"], [], 5, "192.0.2.1, 203.0.113.9, 198.51.100.1", "203.0.113.9" },
        { ["127.0.0.1"], [], 1, "not-an-address", "127.0.0.1" },
        { ["127.0.0.1"], [], 1, "2001:db8::9", "2001:db8::9" },
    };

    [Theory]
    [MemberData(nameof(Hops))]
    public async Task HopCount_OnlyKnownProxiesMayVouchForTheNextAddress(string[] proxies, string[] networks, int limit, string forwardedFor, string expected)
    {
        var settings = Trusting(("ForwardLimit", limit.ToString()));
        for (var i = 0; i < proxies.Length; i++)
        {
            settings[$"{TrustedProxyOptions.SectionName}:KnownProxies:{i}"] = proxies[i];
        }
        for (var i = 0; i < networks.Length; i++)
        {
            settings[$"{TrustedProxyOptions.SectionName}:KnownNetworks:{i}"] = networks[i];
        }
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var client = gateway.CreateClient();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/page", new Dictionary<string, string> { ["X-Forwarded-For"] = forwardedFor });

        Assert.Equal(expected, echoed.Header("X-Forwarded-For"));
    }

    [Fact]
    public async Task FrameworkSwitchThatTrustsEverySender_StopsStartup_NamingIt()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayHost.StartAsync(new Dictionary<string, string?> { ["ForwardedHeaders_Enabled"] = "True" }));

        Assert.Contains(failure.Failures, f => f.StartsWith("ForwardedHeaders_Enabled (ASPNETCORE_FORWARDEDHEADERS_ENABLED): trusts", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("KnownProxies:0", "10.1", "Sso:ForwardedHeaders:KnownProxies:0: '10.1' is not an IP address")]
    [InlineData("KnownProxies:0", "proxy.internal", "Sso:ForwardedHeaders:KnownProxies:0: 'proxy.internal' is not an IP address")]
    [InlineData("KnownProxies:0", "10.0.0.0/8", "Sso:ForwardedHeaders:KnownProxies:0: '10.0.0.0/8' is not an IP address")]
    [InlineData("KnownNetworks:0", "10.0.0.5", "Sso:ForwardedHeaders:KnownNetworks:0: '10.0.0.5' is not a network in CIDR form")]
    [InlineData("KnownNetworks:0", "10.0.0.5/8", "Sso:ForwardedHeaders:KnownNetworks:0: '10.0.0.5/8' is not a network in CIDR form")]
    [InlineData("KnownNetworks:0", "10.0.0.0/33", "Sso:ForwardedHeaders:KnownNetworks:0: '10.0.0.0/33' is not a network in CIDR form")]
    [InlineData("KnownNetworks:0", "/8", "Sso:ForwardedHeaders:KnownNetworks:0: '/8' is not a network in CIDR form")]
    [InlineData("KnownNetworks:0", "0.0.0.0/0", "Sso:ForwardedHeaders:KnownNetworks:0: '0.0.0.0/0' is every address")]
    [InlineData("KnownNetworks:0", "::/0", "Sso:ForwardedHeaders:KnownNetworks:0: '::/0' is every address")]
    [InlineData("ForwardLimit", "0", "Sso:ForwardedHeaders:ForwardLimit: must be between 1 and 10")]
    [InlineData("ForwardLimit", "11", "Sso:ForwardedHeaders:ForwardLimit: must be between 1 and 10")]
    public async Task InvalidTrustedProxySetting_StopsStartup_NamingTheKey(string key, string value, string expected)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(Trusting((key, value))));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }
}
