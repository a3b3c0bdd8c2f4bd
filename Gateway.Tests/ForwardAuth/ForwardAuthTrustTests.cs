using System.Net;
using Gateway.ForwardAuth;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.ForwardAuth;

/// <summary><c>Sso:ForwardAuth:TrustedProxies</c>: its default (loopback), what it accepts, and what stops startup.</summary>
public sealed class ForwardAuthTrustTests
{
    private static readonly (string, string)[] Page = [("X-Original-URL", "https://mail.sso.localhost/inbox")];

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    public async Task Default_TrustsLoopback(string source)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var proxy = new ForwardAuthRequests(gateway, source);

        using var response = await proxy.AskAsync(headers: Page);

        Assert.Equal("https://mail.sso.localhost/inbox", ForwardAuthRequests.ReturnUrlOf(response.Headers.Location!.OriginalString));
    }

    [Fact]
    public async Task TrustedProxies_ReplaceTheDefault()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:ForwardAuth:TrustedProxies:0"] = "10.0.0.0/8",
            ["Sso:ForwardAuth:TrustedProxies:1"] = "127.0.0.2",
        });
        using var named = new ForwardAuthRequests(gateway, "127.0.0.2");
        using var other = new ForwardAuthRequests(gateway, "127.0.0.1");

        using var trusted = await named.AskAsync(headers: Page);
        using var untrusted = await other.AskAsync(headers: Page, host: GatewayHost.App1);

        Assert.Equal("https://mail.sso.localhost/inbox", ForwardAuthRequests.ReturnUrlOf(trusted.Headers.Location!.OriginalString));
        Assert.Equal("/", ForwardAuthRequests.ReturnUrlOf(untrusted.Headers.Location!.OriginalString));
    }

    [Fact]
    public async Task ForwardedHeadersFromAKnownProxy_DoNotMakeTheBrowserATrustedProxy()
    {
        // nginx is a known proxy for X-Forwarded-For (Sso:ForwardedHeaders) and names the browser 127.0.0.2; forward-auth
        // trusts only 127.0.0.2, so the address that counts must be nginx's own (127.0.0.1), not the one it names.
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["Sso:ForwardAuth:TrustedProxies:0"] = "127.0.0.2",
        });
        using var proxy = new ForwardAuthRequests(gateway, "127.0.0.1");

        using var response = await proxy.AskAsync(headers: [.. Page, ("X-Forwarded-For", "127.0.0.2")], host: GatewayHost.App1);

        Assert.Equal("/", ForwardAuthRequests.ReturnUrlOf(response.Headers.Location!.OriginalString));
    }

    public static TheoryData<string, string> BadSettings => new()
    {
        { "10.0.0.5/8", "not an IP address or a network" },
        { "10.1", "not an IP address or a network" },
        { "proxy.internal", "not an IP address or a network" },
        { "0.0.0.0/0", "every address" },
        { "::/0", "every address" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadTrustedProxies_StopStartup_NamingTheKey(string value, string message)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:ForwardAuth:TrustedProxies:0"] = "127.0.0.1",
            ["Sso:ForwardAuth:TrustedProxies:1"] = value,
        }));

        var line = Assert.Single(error.Failures);
        Assert.StartsWith($"{ForwardAuthOptions.SectionName}:TrustedProxies:1: '{value}'", line);
        Assert.Contains(message, line);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.0/24", "::ffff:10.0.0.7", true)]
    [InlineData("fd00::/8", "fd12::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("::1/128", "127.0.0.1", false)]
    public void Networks_MatchPeers(string network, string peer, bool expected)
    {
        var networks = new TrustedProxyNetworks(Options.Create(new ForwardAuthOptions { TrustedProxies = [network] }));

        Assert.Equal(expected, networks.Contains(IPAddress.Parse(peer)));
    }
}
