using System.Net;
using System.Text.Json;
using Gateway.Identity;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Instances;

/// <summary>
/// Sessions are bound to the account's credentials and identity: a new password hash in the watched users file, or
/// another account under the name (<c>alice</c> deleted and <c>Alice</c> added in one edit), ends the existing sessions
/// on every instance sharing Redis, and putting the old entry back does not revive them. Other edits keep them.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class AccountStampTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private static readonly string AliceHash = TestUsers.StableHash(TestUsers.AlicePassword);
    private static readonly string BobHash = TestUsers.StableHash(TestUsers.BobPassword);

    private sealed record Entry(string Username, string Hash, string Email = "alice@example.com");

    private static string UsersJson(params Entry[] entries) => JsonSerializer.Serialize(new
    {
        users = entries.Select(e => new
        {
            username = e.Username,
            passwordHash = e.Hash,
            email = e.Email,
            name = e.Username,
            groups = e.Username == "bob" ? new[] { "staff" } : ["staff", "admin"],
        }),
    });

    private static readonly string Before = UsersJson(new Entry("alice", AliceHash), new Entry("bob", BobHash));

    public static TheoryData<string, string, string, string> CredentialEdits => new()
    {
        // case, the edited file, the name and password that sign in afterwards
        { "password changed", UsersJson(new Entry("alice", TestUsers.Hash("new-password")), new Entry("bob", BobHash)), "alice", "new-password" },
        { "same password re-hashed", UsersJson(new Entry("alice", TestUsers.Hash(TestUsers.AlicePassword)), new Entry("bob", BobHash)), "alice", TestUsers.AlicePassword },
        { "name re-spelled, same hash", UsersJson(new Entry("Alice", AliceHash), new Entry("bob", BobHash)), "Alice", TestUsers.AlicePassword },
        { "another account under the name", UsersJson(new Entry("ALICE", TestUsers.Hash("mallory-password")), new Entry("bob", BobHash)), "alice", "mallory-password" },
    };

    [Theory]
    [MemberData(nameof(CredentialEdits))]
    public async Task CredentialEdit_EndsExistingSessionsOnEveryInstance_AndRevertingDoesNotReviveThem(
        string edit, string editedFile, string username, string password)
    {
        await using var gateways = await StartAsync();
        using var alice = await SignedInOnBothAsync(gateways, TestUsers.Alice);
        using var bob = await SignedInOnBothAsync(gateways, TestUsers.Bob);
        var handle = Assert.Single(await SessionsOfAsync(gateways.A, "alice")).Key.Handle;

        await UsersFile.ReplaceAsync(gateways.A.UsersFile, editedFile);

        // Ended in the store by the reload itself, not only when the cookie is next used.
        await Poll.UntilAsync(async () => (await SessionsOfAsync(gateways.A, "alice")).All(s => s.Key.Handle != handle), Within,
            $"{edit}: the reload ends alice's session in the store");
        foreach (var gateway in new[] { gateways.A, gateways.B })
        {
            await Poll.UntilAsync(async () => await StatusAsync(gateway, alice.Cookie) == HttpStatusCode.Unauthorized, Within,
                $"{edit}: instance refuses alice's old cookie");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, bob.Cookie));
        }
        using (var again = gateways.B.CreateClient())
        {
            await Poll.UntilAsync(async () =>
            {
                using var signIn = await again.SignInAsync(GatewayHost.App1, username, password);
                return signIn.StatusCode == HttpStatusCode.Found;
            }, Within, $"{edit}: the account as it is now signs in");
        }

        await UsersFile.ReplaceAsync(gateways.A.UsersFile, Before);
        await Poll.UntilAsync(() => StampsAreAsBefore(gateways), Within, "both instances load the old entry again");
        foreach (var gateway in new[] { gateways.A, gateways.B })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(gateway, alice.Cookie));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway, bob.Cookie));
        }
    }

    [Fact]
    public async Task OtherEdits_KeepTheSessions_AndApplyToThem()
    {
        await using var gateways = await StartAsync();
        using var alice = await SignedInOnBothAsync(gateways, TestUsers.Alice);

        await UsersFile.ReplaceAsync(gateways.A.UsersFile,
            UsersJson(new Entry("alice", AliceHash, "alice@new.example"), new Entry("bob", BobHash)));

        foreach (var gateway in new[] { gateways.A, gateways.B })
        {
            await Poll.UntilAsync(async () =>
            {
                using var client = new BareClient(gateway);
                using var response = await client.GetAsync(GatewayHost.App2, "/", "sso_session=" + alice.Cookie);
                return response.StatusCode == HttpStatusCode.OK
                    && EchoedRequest.Parse(await response.Content.ReadAsStringAsync()).Header("X-Forwarded-Email") == "alice@new.example";
            }, Within, "the session lives on with the new email");
        }
        Assert.Single(await SessionsOfAsync(gateways.A, "alice"));
    }

    [Fact]
    public async Task SessionRecordOfAnotherStamp_IsRefusedOnUse()
    {
        await using var gateways = await StartAsync();
        using var alice = await SignedInOnBothAsync(gateways, TestUsers.Alice);
        var store = gateways.A.Services.GetRequiredService<ISessionStore>();
        var session = Assert.Single(await SessionsOfAsync(gateways.A, "alice"));

        // What a record issued under an earlier password hash looks like, before any reload could end it.
        await store.TouchAsync(session.Key, session.Record with { AccountStamp = "issued-under-an-older-hash" }, default);

        foreach (var gateway in new[] { gateways.A, gateways.B })
        {
            await Poll.UntilAsync(async () => await StatusAsync(gateway, alice.Cookie) == HttpStatusCode.Unauthorized, Within,
                "the instance refuses a session of another stamp");
        }
        Assert.Empty(await SessionsOfAsync(gateways.A, "alice"));
    }

    private Task<TwoInstances> StartAsync() => StartWithUsersAsync(Before);

    private async Task<TwoInstances> StartWithUsersAsync(string usersJson)
    {
        var gateways = await TwoInstances.StartAsync(redis, sharedUsersFile: true);
        await UsersFile.ReplaceAsync(gateways.A.UsersFile, usersJson);
        await Poll.UntilAsync(() => StampsAreAsBefore(gateways), Within, "both instances load the test's users file");
        return gateways;
    }

    private static Task<bool> StampsAreAsBefore(TwoInstances gateways) => Task.FromResult(new[] { gateways.A, gateways.B }.All(g =>
        g.Services.GetRequiredService<UserDirectory>().Find("alice") is { Username: "alice" } user
        && user.PasswordHash == AliceHash && user.Email == "alice@example.com"));

    private sealed record SignedIn(string Cookie) : IDisposable
    {
        public void Dispose()
        {
        }
    }

    private static async Task<SignedIn> SignedInOnBothAsync(TwoInstances gateways, TestUsers.User user)
    {
        using var client = gateways.A.CreateClient();
        using (var signIn = await client.SignInAsync(GatewayHost.App1, user))
        {
            Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        }
        var cookie = client.SessionCookie()!.Value;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateways.A, cookie));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateways.B, cookie));
        return new SignedIn(cookie);
    }

    private static async Task<HttpStatusCode> StatusAsync(GatewayHost gateway, string cookie)
    {
        using var client = new BareClient(gateway);
        using var response = await client.GetAsync(GatewayHost.App2, "/page", "sso_session=" + cookie);
        return response.StatusCode;
    }

    private static Task<IReadOnlyList<StoredSession>> SessionsOfAsync(GatewayHost gateway, string user) =>
        gateway.Services.GetRequiredService<ISessionStore>().ListByUserAsync(user, default);
}
