using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary><c>/_sso/login</c> (SPEC §4, §8, §9): the form, wrong credentials, return URLs, antiforgery.</summary>
public abstract partial class SignInTests : GatewayTestBase
{
    private const string GenericMessage = "Wrong username or password.";

    [Fact]
    public async Task LoginPage_ShowsFormWithUsernamePasswordReturnUrlAndAntiforgeryToken()
    {
        using var client = Gateway.CreateClient();
        var returnUrl = Gateway.Url(GatewayHost.App2, "/inbox?folder=1");

        using var page = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(returnUrl), asBrowser: true);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<form method=\"post\"", html);
        Assert.Contains("name=\"username\"", html);
        Assert.Contains("name=\"password\" type=\"password\"", html);
        Assert.Equal(returnUrl, HiddenReturnUrl(html));
        Assert.NotEmpty(GatewayClient.FormToken(html));
    }

    [Fact]
    public async Task WrongPassword_Is401WithTheFormAgainAndAGenericMessage_AndNoSessionCookie()
    {
        using var client = Gateway.CreateClient();

        using var response = await client.SignInAsync(GatewayHost.App1, "alice", "not-alices-password");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(GenericMessage, html);
        Assert.Contains("<form method=\"post\"", html);
        Assert.NotEmpty(GatewayClient.FormToken(html));
        Assert.Null(SetCookies.Raw(response));
        Assert.Null(client.SessionCookie());
        using var after = await client.GetAsync(GatewayHost.App1, "/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task UnknownUser_GetsTheSameStatusAndTextAsWrongPassword()
    {
        using var client = Gateway.CreateClient();

        using var wrongPassword = await client.SignInAsync(GatewayHost.App1, "alice", "not-alices-password");
        using var unknownUser = await client.SignInAsync(GatewayHost.App1, "mallory", "not-alices-password");

        Assert.Equal(HttpStatusCode.Unauthorized, unknownUser.StatusCode);
        Assert.Equal(wrongPassword.StatusCode, unknownUser.StatusCode);
        Assert.Null(SetCookies.Raw(unknownUser));
        var expected = Normalise(await wrongPassword.Content.ReadAsStringAsync(), "alice");
        var actual = Normalise(await unknownUser.Content.ReadAsStringAsync(), "mallory");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task DisabledUser_WithTheRightPassword_GetsTheGenericRefusal()
    {
        using var client = Gateway.CreateClient();

        using var response = await client.SignInAsync(GatewayHost.App1, TestUsers.Carol);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(GenericMessage, await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookies.Raw(response));
    }

    [Fact]
    public async Task SignInPost_WithoutAntiforgeryToken_Is400AndSignsNobodyIn()
    {
        using var client = Gateway.CreateClient();
        await client.GetSignInTokenAsync(GatewayHost.App1);

        using var response = await client.PostFormAsync(GatewayHost.App1, "/_sso/login", new Dictionary<string, string>
        {
            ["username"] = TestUsers.Alice.Username,
            ["password"] = TestUsers.Alice.Password,
            ["returnUrl"] = "/",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(SetCookies.Raw(response));
    }

    [Fact]
    public async Task LoginPage_WhenAlreadySignedIn_RedirectsToReturnUrl()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var returnUrl = Gateway.Url(GatewayHost.App2, "/inbox");

        using var response = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(returnUrl), asBrowser: true);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(returnUrl, response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("https://evil.test/")]
    [InlineData("//evil.test/")]
    [InlineData("https://sso.localhost.evil.test/")]
    [InlineData("https://app1.sso.localhost@evil.test/")]
    [InlineData("javascript:alert(1)")]
    public async Task LoginPage_WhenAlreadySignedIn_WithUnsafeReturnUrl_RedirectsToRoot(string returnUrl)
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var response = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(returnUrl), asBrowser: true);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignIn_WithUnsafeReturnUrl_RedirectsToRoot_AndTheFormNeverCarriesIt()
    {
        using var client = Gateway.CreateClient();
        using var page = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString("https://evil.test/"), asBrowser: true);
        Assert.Equal("/", HiddenReturnUrl(await page.Content.ReadAsStringAsync()));

        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice, "https://evil.test/");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location!.OriginalString);
        Assert.NotNull(SetCookies.Raw(signIn));
    }

    [Fact]
    public async Task SignIn_WithLocalPathReturnUrl_RedirectsThere()
    {
        using var client = Gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice, "/reports?year=2026");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal("/reports?year=2026", signIn.Headers.Location!.OriginalString);
    }

    private static string? HiddenReturnUrl(string html) =>
        ReturnUrlField().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;

    /// <summary>The page without what legitimately differs between two refusals: the form token and the echoed username.</summary>
    private static string Normalise(string html, string username) =>
        TokenValue().Replace(html, "name=\"__antiforgery\" value=\"\"")
            .Replace($"value=\"{WebUtility.HtmlEncode(username)}\"", "value=\"\"", StringComparison.Ordinal);

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();

    [GeneratedRegex("name=\"__antiforgery\" value=\"[^\"]*\"")]
    private static partial Regex TokenValue();
}

public sealed class SignInTests_InMemory : SignInTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class SignInTests_Redis(RedisServerFixture redis) : SignInTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
