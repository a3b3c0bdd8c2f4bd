using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Sessions;

/// <summary>Redis behind Sentinel: the gateway follows a failover and signed-in users stay signed in.</summary>
public sealed class SentinelFailoverTests
{
    [Fact]
    public async Task SentinelFailover_SignedInUserStaysSignedIn_AndNewSignInsWork()
    {
        await using var sentinel = await RedisSentinelFixture.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:Redis"] = sentinel.ConnectionString,
            ["Sso:StoreTimeout"] = "00:00:03",
        });
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        await sentinel.WaitForReplicationAsync(sentinel.PrimaryPort, sentinel.ReplicaPort);

        await sentinel.FailoverAsync();

        await Poll.UntilAsync(async () => await sentinel.CurrentPrimaryPortAsync() == sentinel.ReplicaPort,
            TimeSpan.FromSeconds(20), "the sentinels promoted the replica");
        await Poll.UntilAsync(async () =>
        {
            using var response = await alice.GetAsync(GatewayHost.App1, "/api");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "alice is served again after the failover");
        Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App1, "/after")).Header("X-Forwarded-User"));
        using var bob = gateway.CreateClient();
        await Poll.UntilAsync(async () =>
        {
            using var form = await bob.GetAsync(GatewayHost.App1, "/_sso/login", asBrowser: true);
            if (form.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }
            using var signIn = await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob);
            return signIn.StatusCode == HttpStatusCode.Found;
        }, TimeSpan.FromSeconds(15), "sign-in writes to the new primary");
        Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App2, "/")).Header("X-Forwarded-User"));
    }
}
