using System.Buffers.Text;
using System.Net;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Instances;

/// <summary>Several instances, one truth: instances sharing Redis (sessions and the Data Protection key ring) behave as one.</summary>
[Collection(RedisCollection.Name)]
public sealed class SharedRedisInstancesTests(RedisServerFixture redis)
{
    [Fact]
    public async Task SignInOnInstanceA_CookieWorksOnInstanceB()
    {
        await using var gateways = await TwoInstances.StartAsync(redis);
        using var onA = gateways.A.CreateClient();
        using var signIn = await onA.SignInAsync(GatewayHost.App1, TestUsers.Alice);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);

        using var onB = TwoInstances.SameBrowser(gateways.B, onA);
        var echoed = await onB.GetEchoAsync(GatewayHost.App2, "/page");
        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task SignOutOnInstanceA_RefusesCookieOnInstanceB()
    {
        await using var gateways = await TwoInstances.StartAsync(redis);
        using var onA = gateways.A.CreateClient();
        (await onA.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var onB = TwoInstances.SameBrowser(gateways.B, onA);
        Assert.Equal("alice", (await onB.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));

        (await onA.SignOutAsync(GatewayHost.App1)).Dispose();

        await Poll.UntilAsync(async () =>
        {
            using var response = await onB.GetAsync(GatewayHost.App1, "/api");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(1), "instance B refuses the signed-out cookie");
    }

    [Fact]
    public async Task RestartOfEveryInstance_LosesNoSession()
    {
        await using var gateways = await TwoInstances.StartAsync(redis);
        using var browser = gateways.A.CreateClient();
        (await browser.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        await gateways.RestartAsync();

        foreach (var gateway in new[] { gateways.A, gateways.B })
        {
            using var client = TwoInstances.SameBrowser(gateway, browser);
            Assert.Equal("bob", (await client.GetEchoAsync(GatewayHost.App2, "/after-restart")).Header("X-Forwarded-User"));
        }
    }

    // Old cookies keep working because a rotation never removes the old key from the shared ring. A key created
    // and activated at once on one instance becomes that instance's default key immediately, while the other
    // still holds the ring it cached; Data Protection re-reads the ring when it meets an unknown key id, but only
    // during the first two minutes after start. Rotations in production therefore create the key ahead of its
    // activation (the framework's automatic rotation does so two days ahead; every instance re-reads the ring
    // at least once a day), so every instance knows a key before anybody's cookie uses it.
    [Fact]
    public async Task DataProtectionKeyRotation_SignsNobodyOut_AndNewSignInsWorkOnEveryInstance()
    {
        await using var gateways = await TwoInstances.StartAsync(redis);
        using var before = gateways.A.CreateClient();
        (await before.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var beforeOnB = TwoInstances.SameBrowser(gateways.B, before);
        Assert.Equal("alice", (await beforeOnB.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));

        var keys = gateways.A.Services.GetRequiredService<IKeyManager>();
        var now = DateTimeOffset.UtcNow;
        var newKey = keys.CreateNewKey(activationDate: now, expirationDate: now.AddDays(90));

        // Data Protection may serve its cached ring while it re-reads the new one in the background.
        GatewayClient after = null!;
        await Poll.UntilAsync(async () =>
        {
            after?.Dispose();
            after = gateways.A.CreateClient();
            (await after.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
            return ProtectingKeyId(after.SessionCookie()!.Value) == newKey.KeyId;
        }, TimeSpan.FromSeconds(10), "instance A protects new cookies with the new key");
        using var _ = after;
        Assert.NotEqual(newKey.KeyId, ProtectingKeyId(before.SessionCookie()!.Value));

        foreach (var gateway in new[] { gateways.A, gateways.B })
        {
            using var old = TwoInstances.SameBrowser(gateway, before);
            Assert.Equal("alice", (await old.GetEchoAsync(GatewayHost.App1, "/old")).Header("X-Forwarded-User"));
            using var fresh = TwoInstances.SameBrowser(gateway, after);
            Assert.Equal("bob", (await fresh.GetEchoAsync(GatewayHost.App1, "/new")).Header("X-Forwarded-User"));
        }
        using var signInOnB = gateways.B.CreateClient();
        (await signInOnB.SignInAsync(GatewayHost.App2, TestUsers.Zhang)).Dispose();
        using var zhangOnA = TwoInstances.SameBrowser(gateways.A, signInOnB);
        Assert.Equal("%E5%BC%A0%E4%B8%89", (await zhangOnA.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    /// <summary>The Data Protection key a cookie was protected with: the payload is a 4-byte magic header, then the key id.</summary>
    private static Guid ProtectingKeyId(string cookieValue) => new(Base64Url.DecodeFromChars(cookieValue).AsSpan(4, 16));
}
