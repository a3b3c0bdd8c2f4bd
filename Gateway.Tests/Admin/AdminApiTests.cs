using System.Net;
using System.Text.Json;
using Gateway.Hosting;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Admin;

/// <summary>Operators list and end sessions through <c>/_sso/admin</c>, guarded by the policy named in <c>Sso:AdminPolicy</c>.</summary>
public abstract class AdminApiTests : GatewayTestBase
{
    protected override Task<GatewayHost> StartDefaultGatewayAsync() => StartGatewayAsync(new Dictionary<string, string?>
    {
        ["Sso:AdminPolicy"] = "admins",
        ["Sso:LoginHost"] = GatewayHost.Login,
    });

    [Fact]
    public async Task Admin_ListsUsersLiveSessions_ByHandleOnly()
    {
        using var admin = await SignedInAsync(TestUsers.Alice);
        using var bobLaptop = await SignedInAsync(TestUsers.Bob, "Laptop/1.0");
        using var bobPhone = await SignedInAsync(TestUsers.Bob, "Phone/2.0");

        using var response = await SendAsync(admin, HttpMethod.Get, "/_sso/admin/users/BOB/sessions");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("bob", json.RootElement.GetProperty("user").GetString());
        var sessions = json.RootElement.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Equal(new[] { "Laptop/1.0", "Phone/2.0" }, sessions.Select(s => s.GetProperty("userAgent").GetString()!).Order().ToArray());
        Assert.All(sessions, s =>
        {
            Assert.Equal(12, s.GetProperty("handle").GetString()!.Length);
            Assert.Equal("127.0.0.1", s.GetProperty("clientAddress").GetString());
            Assert.True(s.GetProperty("createdAt").GetDateTimeOffset() <= s.GetProperty("lastSeenAt").GetDateTimeOffset());
        });
        Assert.DoesNotContain(bobLaptop.SessionCookie()!.Value, body);
    }

    [Fact]
    public async Task Admin_EndsAllSessionsOfUser_TheirCookiesAreRefused_OthersUnaffected()
    {
        using var admin = await SignedInAsync(TestUsers.Alice);
        using var bobLaptop = await SignedInAsync(TestUsers.Bob);
        using var bobPhone = await SignedInAsync(TestUsers.Bob);

        using var response = await SendAsync(admin, HttpMethod.Delete, "/_sso/admin/users/bob/sessions");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, json.RootElement.GetProperty("ended").GetArrayLength());
        await AssertSignedOutAsync(bobLaptop);
        await AssertSignedOutAsync(bobPhone);
        Assert.Equal("alice", (await admin.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        using var list = await SendAsync(admin, HttpMethod.Get, "/_sso/admin/users/bob/sessions");
        using var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        Assert.Equal(0, listed.RootElement.GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task Admin_EndsOneSessionByHandle_TheUsersOtherSessionLives()
    {
        using var admin = await SignedInAsync(TestUsers.Alice);
        using var bobLaptop = await SignedInAsync(TestUsers.Bob, "Laptop/1.0");
        using var bobPhone = await SignedInAsync(TestUsers.Bob, "Phone/2.0");
        using var list = await SendAsync(admin, HttpMethod.Get, "/_sso/admin/users/bob/sessions");
        using var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        var laptopHandle = listed.RootElement.GetProperty("sessions").EnumerateArray()
            .Single(s => s.GetProperty("userAgent").GetString() == "Laptop/1.0").GetProperty("handle").GetString();

        using var response = await SendAsync(admin, HttpMethod.Delete, $"/_sso/admin/sessions/{laptopHandle}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertSignedOutAsync(bobLaptop);
        Assert.Equal("bob", (await bobPhone.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        using var again = await SendAsync(admin, HttpMethod.Delete, $"/_sso/admin/sessions/{laptopHandle}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var malformed = await SendAsync(admin, HttpMethod.Delete, "/_sso/admin/sessions/not-a-handle");
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact]
    public async Task NonAdmin_Gets403_AndNobodySignedIn_Gets401()
    {
        using var bob = await SignedInAsync(TestUsers.Bob);
        using var anonymous = Gateway.CreateClient();

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/_sso/admin/users/alice/sessions"),
            (HttpMethod.Delete, "/_sso/admin/users/alice/sessions"),
            (HttpMethod.Delete, "/_sso/admin/sessions/AAAAAAAAAAAA"),
        })
        {
            using var asBob = await SendAsync(bob, method, path);
            Assert.Equal(HttpStatusCode.Forbidden, asBob.StatusCode);
            using var asNobody = await SendAsync(anonymous, method, path);
            Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);
        }
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "http://blog.sso.localhost")]
    [InlineData("Origin", "http://app1.sso.localhost:{port}")]
    [InlineData("Origin", "http://APP2.sso.localhost:{port}")]
    [InlineData("Origin", "https://login.sso.localhost:{port}")]
    [InlineData("Origin", "http://login.sso.localhost.evil.test:{port}")]
    [InlineData("Origin", "null")]
    public async Task Admin_DeleteSentFromAnotherOrigin_IsRefused(string header, string value)
    {
        value = value.Replace("{port}", Gateway.Port.ToString());
        using var admin = await SignedInAsync(TestUsers.Alice);
        using var bob = await SignedInAsync(TestUsers.Bob);

        using var response = await SendAsync(admin, HttpMethod.Delete, "/_sso/admin/users/bob/sessions", (header, value));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Theory]
    [InlineData(GatewayHost.App1)]
    [InlineData(GatewayHost.App2)]
    [InlineData("APP1.sso.localhost")]
    public async Task Admin_OnAModulesHost_Gets404_AndNothingReachesTheBackend(string host)
    {
        using var admin = await SignedInAsync(TestUsers.Alice);
        using var bob = await SignedInAsync(TestUsers.Bob);

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/_sso/admin/users/bob/sessions"),
            (HttpMethod.Delete, "/_sso/admin/users/bob/sessions"),
            (HttpMethod.Delete, "/_sso/admin/sessions/AAAAAAAAAAAA"),
            (HttpMethod.Get, "//_sso/admin/users/bob/sessions"),
        })
        {
            var request = new HttpRequestMessage(method, Gateway.Url(host, path));
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await admin.Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {host}{path}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("\"backend\"", body);
        }
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task Admin_SameOriginDelete_OnTheLoginHost_Works()
    {
        using var admin = await SignedInAsync(TestUsers.Alice);
        using var bob = await SignedInAsync(TestUsers.Bob);

        using var response = await SendAsync(admin, HttpMethod.Delete, "/_sso/admin/users/bob/sessions",
            ("Origin", $"http://{GatewayHost.Login}:{Gateway.Port}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertSignedOutAsync(bob);
    }

    private async Task<GatewayClient> SignedInAsync(TestUsers.User user, string? userAgent = null)
    {
        var client = Gateway.CreateClient();
        if (userAgent is not null)
        {
            client.Http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }
        using var signIn = await client.SignInAsync(GatewayHost.Login, user);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        return client;
    }

    private Task<HttpResponseMessage> SendAsync(GatewayClient client, HttpMethod method, string path, (string Name, string Value)? header = null)
    {
        var request = new HttpRequestMessage(method, Gateway.Url(GatewayHost.Login, path));
        request.Headers.Accept.ParseAdd("application/json");
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }
        return client.Http.SendAsync(request);
    }

    private static async Task AssertSignedOutAsync(GatewayClient client)
    {
        using var response = await client.GetAsync(GatewayHost.App1, "/api");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class AdminApiTests_InMemory : AdminApiTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class AdminApiTests_Redis(RedisServerFixture redis) : AdminApiTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}

/// <summary>How <c>Sso:AdminPolicy</c> switches the admin API on and off.</summary>
public sealed class AdminPolicySettingTests
{
    [Fact]
    public async Task WithoutAdminPolicy_AdminApiAnswers404_AndNeverReachesABackend()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var admin = gateway.CreateClient();
        (await admin.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        using var response = await admin.GetAsync(GatewayHost.App1, "/_sso/admin/users/bob/sessions");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var delete = await admin.Http.DeleteAsync(gateway.Url(GatewayHost.App1, "/_sso/admin/sessions/AAAAAAAAAAAA"));
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }

    [Fact]
    public async Task AdminPolicyWithoutLoginHost_OutsideDevelopment_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            GatewayHost.StartAsync(new Dictionary<string, string?> { ["Sso:AdminPolicy"] = "admins" }));

        Assert.Contains(StartupErrors.Describe(error)!, m => m.StartsWith("Sso:AdminPolicy:", StringComparison.Ordinal) && m.Contains("Sso:LoginHost"));
    }

    [Theory]
    [InlineData("app1.sso.localhost")]
    [InlineData("APP1.sso.localhost:8443")]
    public async Task AdminPolicyWithALoginHostThatServesAModule_StopsStartup_NamingTheRoute(string loginHost)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:AdminPolicy"] = "admins",
            ["Sso:LoginHost"] = loginHost,
        }));

        Assert.Contains(StartupErrors.Describe(error)!, m => m.StartsWith("ReverseProxy:Routes:app1", StringComparison.Ordinal) && m.Contains("login host"));
    }

    [Fact]
    public async Task AdminPolicyNamingUnknownPolicy_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            GatewayHost.StartAsync(new Dictionary<string, string?> { ["Sso:AdminPolicy"] = "operators" }));

        var messages = Gateway.Hosting.StartupErrors.Describe(error);
        Assert.NotNull(messages);
        Assert.Contains(messages, m => m.StartsWith("Sso:AdminPolicy:", StringComparison.Ordinal) && m.Contains("operators"));
    }
}
