using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The gateway's cookies spelled as a browser may send them (any letter case, chunks, odd separators): the framework
/// reads cookie names case-insensitively, so whatever it could take for the session or antiforgery cookie never
/// reaches a backend, and a session cookie in any spelling is never carried over into a sign-in.
/// </summary>
public sealed class GatewayCookieSpellingTests(GatewayCookieSpellingTests.SignedInGateway fixture)
    : IClassFixture<GatewayCookieSpellingTests.SignedInGateway>
{
    public sealed class SignedInGateway : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        /// <summary>Bob's valid session cookie value.</summary>
        public string BobsCookie { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync();
            using var bob = Gateway.CreateClient();
            (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
            BobsCookie = bob.SessionCookie()!.Value;
        }

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }

    // {0} is a valid session cookie value.
    public static TheoryData<string> Spellings => new()
    {
        "sso_session={0}",
        "SSO_SESSION={0}",
        "Sso_Session={0}; theme=dark",
        "theme=dark; sSo_SeSsIoN={0}",
        "theme=dark;SSO_SESSION={0};lang=en",
        "sso_session={0}; SSO_SESSION={0}",
        "SSO_SESSION_AF=token; sso_session={0}",
        "sso_session_af=token; Sso_Session_Af=token2; theme=dark",
        "sso_session=chunks-2; sso_sessionC1={0}; SSO_SESSIONc2=x",
        "theme=dark,SSO_SESSION={0}",
        "theme=dark; \"SSO_SESSION={0}",
        "theme=dark;\tSSO_SESSION={0}\t",
        "theme=dark; SSO_SESSION=\"{0}\"",
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task GatewayCookie_InAnySpelling_NeverReachesABackend(string header)
    {
        var cookie = string.Format(header, fixture.BobsCookie);
        using var client = new BareClient(fixture.Gateway);

        foreach (var (host, path) in new[] { (GatewayHost.App1, "/public/page"), (GatewayHost.App2, "/page") })
        {
            using var response = await client.GetAsync(host, path, cookie);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                continue; // not read as a session at all: nothing was forwarded
            }
            var echoed = EchoedRequest.Parse(await response.Content.ReadAsStringAsync());
            var forwarded = echoed.Header("Cookie") ?? "";
            Assert.DoesNotContain(fixture.BobsCookie, forwarded);
            Assert.DoesNotContain("sso_session", forwarded, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("token", forwarded);
        }
    }

    [Theory]
    [InlineData("sso_session")]
    [InlineData("SSO_SESSION")]
    [InlineData("Sso_Session")]
    [InlineData("sso_SESSION")]
    public async Task PlantedSessionCookie_InAnySpelling_IsNotCarriedIntoTheVictimsSignIn(string name)
    {
        using var victim = fixture.Gateway.CreateClient();
        var token = await victim.GetSignInTokenAsync(GatewayHost.App1);
        victim.Cookies.Add(new Cookie(name, fixture.BobsCookie, "/", ".sso.localhost"));

        using var signIn = await victim.PostSignInAsync(GatewayHost.App1, token, TestUsers.Alice, returnUrl: "/");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var issued = victim.SessionCookie()!.Value;
        Assert.NotEqual(fixture.BobsCookie, issued);
        using var asVictim = new BareClient(fixture.Gateway);
        using var response = await asVictim.GetAsync(GatewayHost.App2, "/after-sign-in", "sso_session=" + issued);
        Assert.Equal("alice", EchoedRequest.Parse(await response.Content.ReadAsStringAsync()).Header("X-Forwarded-User"));
    }
}
