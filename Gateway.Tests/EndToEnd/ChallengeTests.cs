using System.Net;
using System.Text.Json;
using System.Web;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Without a session, a person's browser is sent to the sign-in page; everything else (API calls, POSTs, XHR)
/// gets 401 JSON and never a redirect (SPEC §5).
/// </summary>
public abstract class ChallengeTests : GatewayTestBase
{
    private const string Html = "text/html,application/xhtml+xml,*/*;q=0.8";

    [Theory]
    [InlineData("GET", Html)]
    [InlineData("HEAD", Html)]
    [InlineData("GET", "text/html")]
    [InlineData("GET", "TEXT/HTML")]
    public async Task BrowserNavigation_WithoutSession_IsRedirectedToLogin(string method, string accept)
    {
        using var client = new BareClient(Gateway);
        using var request = client.Request(new HttpMethod(method), GatewayHost.App2, "/docs/a b?q=1&r=%2F");
        request.Headers.Accept.Clear();
        request.Headers.TryAddWithoutValidation("Accept", accept);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.True(location.IsAbsoluteUri, $"absolute login URL, got {location}");
        Assert.Equal(Gateway.Url(GatewayHost.App2, "/_sso/login"), location.GetLeftPart(UriPartial.Path));
        var returnUrl = HttpUtility.ParseQueryString(location.Query)["returnUrl"];
        Assert.Equal(Gateway.Url(GatewayHost.App2, "/docs/a%20b?q=1&r=%2F"), returnUrl);
    }

    public static TheoryData<string, string?, string?> NotNavigations => new()
    {
        { "GET", "application/json", null },
        { "GET", "*/*", null },
        { "GET", null, null },
        { "GET", Html, "XMLHttpRequest" },
        { "GET", Html, "xmlhttprequest" },
        { "HEAD", "application/json", null },
        { "POST", Html, null },
        { "POST", "application/json", null },
        { "PUT", Html, null },
        { "DELETE", Html, null },
        { "PATCH", Html, "XMLHttpRequest" },
    };

    [Theory]
    [MemberData(nameof(NotNavigations))]
    public async Task ApiPostOrXhr_WithoutSession_Gets401JsonAndNeverARedirect(string method, string? accept, string? requestedWith)
    {
        using var client = new BareClient(Gateway);
        using var request = client.Request(new HttpMethod(method), GatewayHost.App1, "/api/items");
        request.Headers.Accept.Clear();
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        if (requestedWith is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Requested-With", requestedWith);
        }
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["item"] = "1" });
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        if (method != "HEAD")
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unauthenticated", body.RootElement.GetProperty("error").GetString());
            Assert.False(body.RootElement.TryGetProperty("backend", out _), "the backend must not have answered");
        }
    }

    [Fact]
    public async Task PolicyRoute_WithoutSession_Is401NotForbidden()
    {
        using var client = Gateway.CreateClient();

        using var api = await client.GetAsync(GatewayHost.App2, "/admin/settings");
        using var page = await client.GetAsync(GatewayHost.App2, "/admin/settings", asBrowser: true);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
    }

    [Fact]
    public async Task AnonymousRoute_WithoutSession_ReachesBackend()
    {
        using var client = Gateway.CreateClient();

        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/public/news");

        Assert.Equal(("app1", "/public/news"), (echoed.Backend, echoed.Path));
    }

    [Fact]
    public async Task ApiCall_WithSession_ReachesBackend()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var request = new HttpRequestMessage(HttpMethod.Post, Gateway.Url(GatewayHost.App1, "/api/items"))
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Requested-With", "XMLHttpRequest");
        using var response = await client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echoed = EchoedRequest.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("POST", "bob"), (echoed.Method, echoed.Header("X-Forwarded-User")));
    }
}

public sealed class ChallengeTests_InMemory : ChallengeTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class ChallengeTests_Redis(RedisServerFixture redis) : ChallengeTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
