using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>What a sign-in form reveals and where it sends the browser: SPEC §8 and §9 over real sockets.</summary>
public sealed partial class SignInResponseTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("//evil.test/")]
    [InlineData("/\\evil.test")]
    [InlineData("https://evil.test/")]
    [InlineData("https://app1.sso.localhost@evil.test/")]
    [InlineData("javascript:alert(1)")]
    public async Task OpenRedirect_UnsafeReturnUrl_IsIgnoredBySignInAndSignOut(string returnUrl)
    {
        using var client = _gateway.CreateClient();
        var formHtml = await (await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(returnUrl), asBrowser: true))
            .Content.ReadAsStringAsync();
        Assert.Contains("name=\"returnUrl\" value=\"/\"", formHtml);

        using (var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice, returnUrl))
        {
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
            Assert.Equal("/", signIn.Headers.Location!.OriginalString);
        }
        using (var again = await client.GetAsync(GatewayHost.App1, "/_sso/login?returnUrl=" + Uri.EscapeDataString(returnUrl), asBrowser: true))
        {
            Assert.Equal(HttpStatusCode.Found, again.StatusCode);
            Assert.Equal("/", again.Headers.Location!.OriginalString);
        }
        var signOutPage = await (await client.GetAsync(GatewayHost.App1, "/_sso/logout?returnUrl=" + Uri.EscapeDataString(returnUrl), asBrowser: true))
            .Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil", signOutPage);
        using (var signOut = await client.SignOutAsync(GatewayHost.App1, returnUrl))
        {
            Assert.Equal(HttpStatusCode.Found, signOut.StatusCode);
            Assert.Equal("/_sso/login", signOut.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task SafeReturnUrl_IsFollowedBySignInAndSignOut()
    {
        using var client = _gateway.CreateClient();
        var target = _gateway.Url(GatewayHost.App2, "/inbox?folder=a@b");
        using (var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice, target))
        {
            Assert.Equal(target, signIn.Headers.Location!.OriginalString);
        }
        using var signOut = await client.SignOutAsync(GatewayHost.App1, "/goodbye");
        Assert.Equal("/goodbye", signOut.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task NonAsciiReturnUrl_IsPercentEncoded_NotA500()
    {
        using var client = _gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, TestUsers.Alice, "/文档/张三");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal("/%E6%96%87%E6%A1%A3/%E5%BC%A0%E4%B8%89", signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task UserEnumeration_UnknownUserWrongPasswordAndDisabledUser_GetIdenticalResponses()
    {
        var unknown = await FailedSignInAsync("mallory", "some-password");
        var wrongPassword = await FailedSignInAsync("alice", "some-password");
        var disabled = await FailedSignInAsync("carol", TestUsers.CarolPassword);
        var emptyPassword = await FailedSignInAsync("alice", "");

        foreach (var other in new[] { wrongPassword, disabled, emptyPassword })
        {
            Assert.Equal(unknown.Status, other.Status);
            Assert.Equal(unknown.Headers, other.Headers);
            Assert.Equal(unknown.Body, other.Body);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Contains("Wrong username or password.", unknown.Body);
    }

    /// <summary>
    /// A failed sign-in from a fresh browser, normalised only where responses must differ: the antiforgery token
    /// (new per form) and the username echoed back into the form.
    /// </summary>
    private async Task<(HttpStatusCode Status, string Headers, string Body)> FailedSignInAsync(string username, string password)
    {
        using var client = _gateway.CreateClient();
        using var response = await client.SignInAsync(GatewayHost.App1, username, password);
        var body = await response.Content.ReadAsStringAsync();
        body = TokenValue().Replace(body, "name=\"__antiforgery\" value=\"TOKEN\"");
        body = body.Replace($"value=\"{username}\"", "value=\"USERNAME\"", StringComparison.Ordinal);
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Content-Length")) // the length follows the echoed username
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        return (response.StatusCode, headers, body);
    }

    [GeneratedRegex("name=\"__antiforgery\" value=\"[^\"]*\"")]
    private static partial Regex TokenValue();
}
