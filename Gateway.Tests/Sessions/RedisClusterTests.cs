using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Sessions;

/// <summary>
/// Redis Cluster: sessions, both indexes and the Data Protection key ring spread over three primaries; every
/// store operation (sign-in, use, admin listing and revocation, sign-out) works, so none spans two slots.
/// </summary>
public sealed class RedisClusterTests
{
    [Fact]
    public async Task OnACluster_TwoInstances_SignInListRevokeAndSignOutWork()
    {
        await using var cluster = await RedisClusterFixture.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Sso:Redis"] = cluster.ConnectionString,
            ["Sso:StoreTimeout"] = "00:00:05",
            ["Sso:AdminPolicy"] = "admins",
            ["Sso:LoginHost"] = GatewayHost.Login,
        };
        await using var a = await GatewayHost.StartAsync(settings);
        await using var b = await GatewayHost.StartAsync(settings);

        using var admin = a.CreateClient();
        Assert.Equal(HttpStatusCode.Found, (await admin.SignInAsync(GatewayHost.App1, TestUsers.Alice)).StatusCode);
        var bobs = new List<GatewayClient>();
        for (var i = 0; i < 4; i++)
        {
            var bob = (i % 2 == 0 ? a : b).CreateClient();
            Assert.Equal(HttpStatusCode.Found, (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).StatusCode);
            bobs.Add(bob);
        }
        using var zhang = b.CreateClient();
        Assert.Equal(HttpStatusCode.Found, (await zhang.SignInAsync(GatewayHost.App1, TestUsers.Zhang)).StatusCode);

        using var adminOnB = b.CreateClient();
        adminOnB.Cookies.Add(admin.Cookies.GetAllCookies());
        Assert.Equal("alice", (await adminOnB.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));

        using var list = await admin.GetAsync(GatewayHost.Login, "/_sso/admin/users/bob/sessions");
        using var listed = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        var handles = listed.RootElement.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("handle").GetString()!).ToList();
        Assert.Equal(4, handles.Count);

        using (var one = await admin.Http.DeleteAsync(a.Url(GatewayHost.Login, $"/_sso/admin/sessions/{handles[0]}")))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }
        using (var all = await admin.Http.DeleteAsync(a.Url(GatewayHost.Login, "/_sso/admin/users/bob/sessions")))
        {
            using var ended = JsonDocument.Parse(await all.Content.ReadAsStringAsync());
            Assert.Equal(3, ended.RootElement.GetProperty("ended").GetArrayLength());
        }
        // Each instance caches sessions for a moment; the revocation reaches the other one by pub/sub, which a
        // cluster relays over its bus, so allow the promised second.
        foreach (var bob in bobs)
        {
            await Poll.UntilAsync(async () =>
            {
                using var refused = await bob.GetAsync(GatewayHost.App1, "/api");
                return refused.StatusCode == HttpStatusCode.Unauthorized;
            }, TimeSpan.FromSeconds(1), "every instance refuses bob's revoked sessions");
            bob.Dispose();
        }

        Assert.Equal(HttpStatusCode.Found, (await zhang.SignOutAsync(GatewayHost.App1)).StatusCode);
        using var afterSignOut = await zhang.GetAsync(GatewayHost.App1, "/api");
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
    }
}
