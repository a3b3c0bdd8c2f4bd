using System.Net;
using Gateway.Tests.TestInfrastructure;
using static Gateway.Tests.MySessions.MySessionsClient;

namespace Gateway.Tests.MySessions;

/// <summary>
/// With <c>Sso:LoginHost</c> set, "my sessions" answers only there (script on a module's host must not be same-origin
/// with it): a browser asking on a module's host is sent there, everything else there is 404 and never forwarded.
/// </summary>
public sealed class MySessionsLoginHostTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string?> { ["Sso:LoginHost"] = GatewayHost.Login });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData(GatewayHost.App1)]
    [InlineData(GatewayHost.App2)]
    [InlineData("APP1.sso.localhost")]
    public async Task OnAModulesHost_TheBrowserIsSentToTheLoginHost_AndNothingElseAnswers(string host)
    {
        using var laptop = await SignedInAsync(_gateway, TestUsers.Alice, host: GatewayHost.Login);
        using var phone = await SignedInAsync(_gateway, TestUsers.Alice, host: GatewayHost.Login);
        var laptopHandle = CurrentHandle(await ListAsync(laptop, GatewayHost.Login));

        using var browser = await phone.GetAsync(host, Page, asBrowser: true);
        Assert.Equal(HttpStatusCode.Found, browser.StatusCode);
        Assert.Equal(_gateway.Url(GatewayHost.Login, Page), browser.Headers.Location?.OriginalString);

        using var script = await phone.GetAsync(host, Page);
        Assert.Equal(HttpStatusCode.NotFound, script.StatusCode);
        var token = await FormTokenAsync(phone, GatewayHost.Login);
        foreach (var path in new[] { End, EndOthers })
        {
            using var post = await PostAsync(_gateway, phone, path,
                new Dictionary<string, string> { ["__antiforgery"] = token, ["handle"] = laptopHandle }, json: true, host: host);
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
            Assert.DoesNotContain("\"backend\"", await post.Content.ReadAsStringAsync());
        }
        Assert.True(await IsSignedInAsync(laptop));
    }

    [Fact]
    public async Task OnTheLoginHost_ThePageWorks()
    {
        using var laptop = await SignedInAsync(_gateway, TestUsers.Alice, host: GatewayHost.Login);
        using var phone = await SignedInAsync(_gateway, TestUsers.Alice, host: GatewayHost.Login);

        using var response = await EndAsync(_gateway, phone, CurrentHandle(await ListAsync(laptop, GatewayHost.Login)), host: GatewayHost.Login);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.False(await IsSignedInAsync(laptop));
        Assert.True(await IsSignedInAsync(phone));
    }
}
