using System.Net;
using Gateway.Tests.TestInfrastructure;
using Serilog.Events;

namespace Gateway.Tests.Identity;

/// <summary>
/// The users file is live (SPEC §10): edits apply without a restart, a removed or disabled user's session stops
/// working within seconds, a bad edit is logged and the last good directory stays. Run once per session store.
/// </summary>
public abstract class LiveUserDirectoryTests : GatewayTestBase
{
    // The watcher usually reacts within a second; the fingerprint check guarantees it within UserDirectory.CheckInterval.
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    protected CapturingLogSink Log { get; } = new();

    protected override Task<GatewayHost> StartDefaultGatewayAsync() => StartGatewayAsync(
        new Dictionary<string, string?> { ["Serilog:MinimumLevel:Override:Gateway.Identity"] = "Information" },
        Log.AddTo, users: [TestUsers.Alice, TestUsers.Bob]);

    [Fact]
    public async Task UserAddedByRenameReplace_CanSignInWithoutRestart()
    {
        Assert.False(await CanSignInAsync(TestUsers.Zhang));

        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice, TestUsers.Bob, TestUsers.Zhang]);

        await Poll.UntilAsync(() => CanSignInAsync(TestUsers.Zhang), Within, "the added user can sign in");
    }

    [Fact]
    public async Task UserAddedByOverwriteInPlace_CanSignInWithoutRestart()
    {
        await UsersFile.OverwriteAsync(Gateway.UsersFile, [TestUsers.Alice, TestUsers.Bob, TestUsers.Zhang]);

        await Poll.UntilAsync(() => CanSignInAsync(TestUsers.Zhang), Within, "the added user can sign in");
    }

    [Fact]
    public async Task DisablingSignedInUser_EndsTheirSession_AndRefusesSignIn()
    {
        using var alice = await SignedInClientAsync(TestUsers.Alice);
        using var bob = await SignedInClientAsync(TestUsers.Bob);

        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice with { Disabled = true }, TestUsers.Bob]);

        await Poll.UntilAsync(async () => await StatusAsync(alice) == HttpStatusCode.Unauthorized, Within, "alice's session stops working");
        Assert.False(await CanSignInAsync(TestUsers.Alice));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(bob));
        Assert.Contains(Log.WithEventId(1004), e => e.RenderMessage().Contains("alice"));
    }

    [Fact]
    public async Task RemovingSignedInUser_EndsTheirSession_EvenWhenAddedBackLater()
    {
        using var alice = await SignedInClientAsync(TestUsers.Alice);
        var stolenCookie = alice.SessionCookie()!;

        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Bob]);
        await Poll.UntilAsync(async () => await StatusAsync(alice) == HttpStatusCode.Unauthorized, Within, "alice's session stops working");

        // The refused session was deleted from the store, so restoring the user does not revive it.
        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice, TestUsers.Bob]);
        await Poll.UntilAsync(() => CanSignInAsync(TestUsers.Alice), Within, "alice is back in the directory");
        using var replay = Gateway.CreateClient();
        replay.Cookies.Add(new Cookie(stolenCookie.Name, stolenCookie.Value, "/", GatewayHost.App1));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(replay));
    }

    [Fact]
    public async Task DisabledThenReEnabledUser_UnusedSessionMeanwhile_StaysEnded()
    {
        using var alice = await SignedInClientAsync(TestUsers.Alice);

        // Alice's browser sends nothing while her account is disabled: the sessions end when the edit loads, not
        // only on their next request, so re-enabling the account does not bring the old session back.
        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice with { Disabled = true }, TestUsers.Bob]);
        await Poll.UntilAsync(() => Log.WithEventId(120).Any(e => e.RenderMessage().Contains("alice")),
            Within, "the disabled user's sessions are ended");
        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice, TestUsers.Bob]);
        await Poll.UntilAsync(() => CanSignInAsync(TestUsers.Alice), Within, "alice is enabled again");

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(alice));
    }

    [Fact]
    public async Task UserTakenOutOfAdminGroup_LosesAdminRoutesInTheirExistingSession()
    {
        using var alice = await SignedInClientAsync(TestUsers.Alice);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(alice, GatewayHost.App2, "/admin/reports"));

        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice with { Groups = ["staff"], Email = "alice@new.example" }, TestUsers.Bob]);

        await Poll.UntilAsync(async () => await StatusAsync(alice, GatewayHost.App2, "/admin/reports") == HttpStatusCode.Forbidden,
            Within, "alice's session loses the admin route");
        var echoed = await alice.GetEchoAsync(GatewayHost.App2, "/home");
        Assert.Equal("alice", echoed.Header("X-Forwarded-User"));
        Assert.Equal("staff", echoed.Header("X-Forwarded-Groups"));
        Assert.Equal("alice@new.example", echoed.Header("X-Forwarded-Email"));
    }

    [Fact]
    public async Task MalformedEdit_IsLogged_AndLastGoodDirectoryStays()
    {
        using var alice = await SignedInClientAsync(TestUsers.Alice);

        await UsersFile.ReplaceAsync(Gateway.UsersFile, "{ \"users\": [ { \"username\": \"mallory\" ");

        await Poll.UntilAsync(() => Log.WithEventId(1003).Any(), Within, "the rejected edit is logged");
        var rejected = Assert.Single(Log.WithEventId(1003));
        Assert.Equal(LogEventLevel.Error, rejected.Level);
        Assert.Contains("Sso:UsersFile", rejected.RenderMessage());
        Assert.True(await CanSignInAsync(TestUsers.Bob));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(alice));

        // The next good edit applies as usual.
        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Alice, TestUsers.Bob, TestUsers.Zhang]);
        await Poll.UntilAsync(() => CanSignInAsync(TestUsers.Zhang), Within, "the good edit after the bad one applies");
    }

    [Fact]
    public async Task EditWithInvalidPasswordHash_IsRejected_AndLastGoodDirectoryStays()
    {
        var content = TestUsers.FileContent([TestUsers.Alice, TestUsers.Bob]).Replace("\"passwordHash\": \"", "\"passwordHash\": \"x");

        await UsersFile.ReplaceAsync(Gateway.UsersFile, content);

        await Poll.UntilAsync(() => Log.WithEventId(1003).Any(), Within, "the rejected edit is logged");
        Assert.True(await CanSignInAsync(TestUsers.Alice));
    }

    [Fact]
    public async Task DeletedFile_IsLogged_AndLastGoodDirectoryStays()
    {
        File.Delete(Gateway.UsersFile);

        await Poll.UntilAsync(() => Log.WithEventId(1003).Any(), Within, "the missing file is logged");
        Assert.True(await CanSignInAsync(TestUsers.Alice));

        await UsersFile.ReplaceAsync(Gateway.UsersFile, [TestUsers.Zhang]);
        await Poll.UntilAsync(() => CanSignInAsync(TestUsers.Zhang), Within, "the restored file applies");
    }

    private async Task<bool> CanSignInAsync(TestUsers.User user)
    {
        using var client = Gateway.CreateClient();
        using var response = await client.SignInAsync(GatewayHost.App1, user);
        return response.StatusCode == HttpStatusCode.Found;
    }

    private async Task<GatewayClient> SignedInClientAsync(TestUsers.User user)
    {
        var client = Gateway.CreateClient();
        using var response = await client.SignInAsync(GatewayHost.App1, user);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client));
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(GatewayClient client, string host = GatewayHost.App1, string path = "/api/me")
    {
        using var response = await client.GetAsync(host, path);
        return response.StatusCode;
    }
}

public sealed class LiveUserDirectoryTests_InMemory : LiveUserDirectoryTests
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[Collection(RedisCollection.Name)]
public sealed class LiveUserDirectoryTests_Redis(RedisServerFixture redis) : LiveUserDirectoryTests
{
    protected override Dictionary<string, string?> StoreSettings() => GatewayHost.RedisSettings(redis);
}
