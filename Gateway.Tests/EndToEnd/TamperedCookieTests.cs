using System.Buffers.Text;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A session cookie that is not exactly one this gateway issued for a live session counts as no session:
/// 302 or 401 like any signed-out request, never a 500 (SPEC §6).
/// </summary>
public abstract class TamperedCookieTests : GatewayTestBase
{
    public enum Tampering { FlippedCharacter, Truncated, Extended, RandomBase64, RandomWithDataProtectionMagic, Empty, Garbage }

    [Theory]
    [InlineData(Tampering.FlippedCharacter)]
    [InlineData(Tampering.Truncated)]
    [InlineData(Tampering.Extended)]
    [InlineData(Tampering.RandomBase64)]
    [InlineData(Tampering.RandomWithDataProtectionMagic)]
    [InlineData(Tampering.Empty)]
    [InlineData(Tampering.Garbage)]
    public async Task TamperedCookie_CountsAsSignedOut(Tampering tampering)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var genuine = client.SessionCookie()!.Value;

        await AssertSignedOutAsync(Gateway, Tamper(genuine, tampering));

        using var stillValid = new BareClient(Gateway);
        using var response = await stillValid.GetAsync(GatewayHost.App2, "/", cookie: $"sso_session={genuine}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CookieFromAnotherGatewayWithADifferentKeyRing_CountsAsSignedOut()
    {
        var keys = Directory.CreateTempSubdirectory("ssogw-foreign-keys-");
        try
        {
            var foreign = await StartGatewayAsync(services: services => services.PostConfigure<KeyManagementOptions>(options =>
                options.XmlRepository = new FileSystemXmlRepository(keys, NullLoggerFactory.Instance)));
            using var client = foreign.CreateClient();
            (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
            var foreignCookie = client.SessionCookie()!.Value;
            Assert.Equal("alice", (await client.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));

            await AssertSignedOutAsync(Gateway, foreignCookie);
        }
        finally
        {
            keys.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task GenuinelyProtectedTicketWithoutSession_CountsAsSignedOut()
    {
        // Even a ticket sealed with this gateway's own keys grants nothing unless it names a live stored session.
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "alice"), new Claim("group", "admin")], "sso", ClaimTypes.Name, "group");
        var forged = Gateway.Protect(new AuthenticationTicket(new ClaimsPrincipal(identity), CookieAuthenticationDefaults.AuthenticationScheme));

        await AssertSignedOutAsync(Gateway, forged);
    }

    [Theory]
    [InlineData("well-formed-unknown")]
    [InlineData("../../etc/passwd")]
    [InlineData("")]
    [InlineData("*")]
    public async Task GenuinelyProtectedTicketNamingNoLiveSession_CountsAsSignedOut(string sessionId)
    {
        if (sessionId == "well-formed-unknown")
        {
            sessionId = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        }
        var identity = new ClaimsIdentity([new Claim(GatewaySessions.SessionIdClaimType, sessionId)], CookieAuthenticationDefaults.AuthenticationScheme);
        var forged = Gateway.Protect(new AuthenticationTicket(new ClaimsPrincipal(identity), CookieAuthenticationDefaults.AuthenticationScheme));

        await AssertSignedOutAsync(Gateway, forged);
    }

    /// <summary>Signed out everywhere it matters: 401 for API calls, 302 to sign-in for pages, the sign-in form shown, public pages served.</summary>
    private static async Task AssertSignedOutAsync(GatewayHost gateway, string cookieValue)
    {
        using var client = new BareClient(gateway);
        var cookie = $"sso_session={cookieValue}";

        using var api = await client.GetAsync(GatewayHost.App2, "/api/me", cookie);
        using var page = await client.GetAsync(GatewayHost.App2, "/home", cookie, asBrowser: true);
        using var userInfo = await client.GetAsync(GatewayHost.App1, "/_sso/userinfo", cookie);
        using var login = await client.GetAsync(GatewayHost.App1, "/_sso/login", cookie, asBrowser: true);
        using var publicPage = await client.GetAsync(GatewayHost.App1, "/public/news", cookie);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.Equal(gateway.Url(GatewayHost.App2, "/_sso/login"), page.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.Equal(HttpStatusCode.Unauthorized, userInfo.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, publicPage.StatusCode);
        var echoed = EchoedRequest.Parse(await publicPage.Content.ReadAsStringAsync());
        Assert.Null(echoed.Header("X-Forwarded-User"));
    }

    private static string Tamper(string genuine, Tampering tampering)
    {
        switch (tampering)
        {
            case Tampering.FlippedCharacter:
                var chars = genuine.ToCharArray();
                var middle = chars.Length / 2;
                chars[middle] = chars[middle] == 'A' ? 'B' : 'A';
                return new string(chars);
            case Tampering.Truncated:
                return genuine[..(genuine.Length / 2)];
            case Tampering.Extended:
                return genuine + "AAAA";
            case Tampering.RandomBase64:
                return Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(genuine.Length * 3 / 4));
            case Tampering.RandomWithDataProtectionMagic:
                // Same prefix as a real payload (Data Protection magic header and key id), random body.
                return genuine[..30] + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(120));
            case Tampering.Empty:
                return "";
            default:
                return "not a ticket at all: %%%";
        }
    }
}

public sealed class TamperedCookieTests_InMemory : TamperedCookieTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class TamperedCookieTests_Redis(RedisServerFixture redis) : TamperedCookieTests
{
    // Every gateway of one test shares the session store, so a foreign cookie fails on its key ring alone.
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";

    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis, _prefix);
}
