using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>Named policies on routes (SPEC §3, §5) and <c>/_sso/userinfo</c> (SPEC §4).</summary>
public abstract class AccessPolicyTests : GatewayTestBase
{
    [Theory]
    [InlineData("alice", "/admin/", HttpStatusCode.OK)]
    [InlineData("bob", "/admin/", HttpStatusCode.Forbidden)]
    [InlineData("张三", "/admin/", HttpStatusCode.Forbidden)]
    [InlineData("bob", "/bob/", HttpStatusCode.OK)]
    [InlineData("alice", "/bob/", HttpStatusCode.Forbidden)]
    [InlineData("张三", "/bob/", HttpStatusCode.Forbidden)]
    [InlineData("bob", "/", HttpStatusCode.OK)]
    [InlineData("张三", "/", HttpStatusCode.OK)]
    public async Task NamedPolicy_AdmitsMembersOnly(string username, string path, HttpStatusCode expected)
    {
        var user = TestUsers.All.Single(u => u.Username == username);
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, user)).Dispose();

        using var response = await client.GetAsync(GatewayHost.App2, path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == expected, $"{username} on {path}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal("app2", json.RootElement.GetProperty("backend").GetString());
        }
        else
        {
            Assert.Equal("forbidden", json.RootElement.GetProperty("error").GetString());
            Assert.Null(response.Headers.Location);
        }
    }

    [Fact]
    public async Task Forbidden_BrowserNavigation_Is403NotARedirectToLogin()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        using var response = await client.GetAsync(GatewayHost.App2, "/admin/users", asBrowser: true);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task UserInfo_SignedIn_ReturnsUserEmailNameGroupsAndExpiry()
    {
        using var client = Gateway.CreateClient();
        var before = DateTimeOffset.UtcNow;
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Zhang)).Dispose();

        using var response = await client.GetAsync(GatewayHost.App2, "/_sso/userinfo");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(new[] { "user", "email", "name", "groups", "expiresAt" }, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("张三", root.GetProperty("user").GetString());
        Assert.Equal("zhang@example.com", root.GetProperty("email").GetString());
        Assert.Equal("张三", root.GetProperty("name").GetString());
        Assert.Equal(new[] { "staff", "研发" }, root.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToArray());
        var expiresAt = root.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt, before.AddHours(1).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1).AddMinutes(1));
    }

    [Fact]
    public async Task UserInfo_WithoutSession_Is401Json()
    {
        using var client = Gateway.CreateClient();

        using var response = await client.GetAsync(GatewayHost.App1, "/_sso/userinfo");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task UserInfo_AfterSignOut_Is401()
    {
        using var client = Gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        (await client.SignOutAsync(GatewayHost.App1)).Dispose();

        using var response = await client.GetAsync(GatewayHost.App1, "/_sso/userinfo");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class AccessPolicyTests_InMemory : AccessPolicyTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class AccessPolicyTests_Redis(RedisServerFixture redis) : AccessPolicyTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
