using System.Net;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Identity.Ldap;

/// <summary>
/// The sign-in form against a real slapd, end to end: headers and policies from LDAP, the users file still first,
/// and sessions re-checked against the directory on two gateway instances sharing Redis.
/// </summary>
[Collection(SlapdCollection.Name)]
public sealed class LdapSignInTests(SlapdServerFixture slapd, RedisServerFixture redis) : IAsyncLifetime
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    private string Lena => "lena" + _id;

    private string Admins => "admin";

    public async Task InitializeAsync() =>
        await slapd.AddPersonAsync(Lena, "lena-password", "lena@example.com", "Lena Ldap", ["staff", Admins]);

    public Task DisposeAsync() => Task.CompletedTask;

    private Dictionary<string, string?> Settings(string recheck = "00:05:00") => new()
    {
        ["Sso:Ldap:Url"] = slapd.Url,
        ["Sso:Ldap:BindDn"] = SlapdServerFixture.ReaderDn,
        ["Sso:Ldap:BindPassword"] = SlapdServerFixture.ReaderPassword,
        ["Sso:Ldap:UserSearchBase"] = SlapdServerFixture.People,
        ["Sso:Ldap:GroupSearchBase"] = SlapdServerFixture.Groups,
        ["Sso:Ldap:DisabledFilter"] = "(employeeType=disabled)",
        ["Sso:Ldap:Timeout"] = "00:00:03",
        ["Sso:Ldap:RecheckInterval"] = recheck,
        // A sliding refresh (which runs the full session check, and so the re-check) every second.
        ["Sso:IdleTimeout"] = "00:00:10",
    };

    [Fact]
    public async Task LdapUser_SignsIn_BackendsSeeTheDirectorysIdentity_GroupsDrivePolicies()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var client = gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, Lena.ToUpperInvariant(), "lena-password");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/");
        Assert.Equal(Lena, echoed.Header("X-Forwarded-User"));
        Assert.Equal("lena@example.com", echoed.Header("X-Forwarded-Email"));
        Assert.Equal("Lena Ldap", echoed.Header("X-Forwarded-Name"));
        Assert.Equal("admin,staff", echoed.Header("X-Forwarded-Groups"));
        Assert.Equal(Lena, (await client.GetEchoAsync(GatewayHost.App2, "/admin/")).Header("X-Forwarded-User"));
    }

    [Fact]
    public async Task LdapOnly_WithoutAUsersFile_StartsAndSignsIn()
    {
        var settings = Settings();
        settings["Sso:UsersFile"] = "";
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var client = gateway.CreateClient();

        Assert.Equal(HttpStatusCode.Found, (await client.SignInAsync(GatewayHost.App1, Lena, "lena-password")).StatusCode);
        using var alice = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).StatusCode);
    }

    [Fact]
    public async Task UsersFileStillFirst_AndWrongLdapPassword_IsTheGenericFailure()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var alice = gateway.CreateClient();
        using var mallory = gateway.CreateClient();

        using var fileSignIn = await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice);
        using var wrong = await mallory.SignInAsync(GatewayHost.App1, Lena, "not-lenas");
        using var injection = await mallory.SignInAsync(GatewayHost.App1, "*)(uid=*))(|(uid=*", "lena-password");
        using var empty = await mallory.SignInAsync(GatewayHost.App1, Lena, "");

        Assert.Equal(HttpStatusCode.Found, fileSignIn.StatusCode);
        var bodies = new List<string>();
        foreach (var response in new[] { wrong, injection, empty })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.All(bodies, body => Assert.Contains("Wrong username or password.", body));
        Assert.Null(mallory.SessionCookie());
    }

    [Fact]
    public async Task DeletedInLdap_SessionEndsOnBothInstances_AtTheNextRecheck()
    {
        await using var instances = await TwoInstances.StartAsync(redis, Settings(recheck: "00:00:01"));
        using var onA = instances.A.CreateClient();
        (await onA.SignInAsync(GatewayHost.App1, Lena, "lena-password")).Dispose();
        using var onB = TwoInstances.SameBrowser(instances.B, onA);
        Assert.Equal(Lena, (await onB.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));

        await slapd.DeletePersonAsync(Lena);

        await Poll.UntilAsync(async () => await StatusAsync(onA) == HttpStatusCode.Unauthorized && await StatusAsync(onB) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "the deleted user's session is refused by both instances");
    }

    [Fact]
    public async Task PasswordChangedInLdap_SessionEndsOnBothInstances_AtTheNextRecheck()
    {
        await using var instances = await TwoInstances.StartAsync(redis, Settings(recheck: "00:00:01"));
        using var onA = instances.A.CreateClient();
        (await onA.SignInAsync(GatewayHost.App1, Lena, "lena-password")).Dispose();
        using var onB = TwoInstances.SameBrowser(instances.B, onA);
        var signedIn = (await instances.A.SessionOfAsync(onA.SessionCookie()!.Value))!;
        Assert.NotNull(signedIn.AccountStamp);

        // Re-checks while nothing changed keep the session.
        await Poll.UntilAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(onB));
            return (await instances.A.SessionOfAsync(onA.SessionCookie()!.Value))?.CheckedAt > signedIn.CheckedAt;
        }, TimeSpan.FromSeconds(20), "a re-check passes");

        // An administrator resets the password (ppolicy keeps pwdChangedTime).
        await slapd.SetPasswordAsync(Lena, "lena-new-password");

        await Poll.UntilAsync(async () => await StatusAsync(onA) == HttpStatusCode.Unauthorized && await StatusAsync(onB) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "the session issued under the old password is refused by both instances");
        using var again = instances.B.CreateClient();
        Assert.Equal(HttpStatusCode.Found, (await again.SignInAsync(GatewayHost.App1, Lena, "lena-new-password")).StatusCode);
    }

    /// <summary>Lockout counts what was typed, before any directory is asked: an unknown LDAP name locks like a known one.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Lockout_CountsUnknownNamesLikeKnownOnes(bool known)
    {
        var (status, lockedBy) = await LockoutProbe.ThirdAttemptAsync(Settings(), known ? Lena : "nobody" + _id, known ? "lena-password" : "guess");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("Username", lockedBy);
    }

    [Fact]
    public async Task DisabledInLdap_SessionEnds_AndSignInIsRefused()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(recheck: "00:00:01"));
        using var client = gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, Lena, "lena-password")).Dispose();

        await slapd.DisableAsync(Lena);

        await Poll.UntilAsync(async () => await StatusAsync(client) == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "the disabled user's session is refused");
        using var again = gateway.CreateClient();
        using var signIn = await again.SignInAsync(GatewayHost.App1, Lena, "lena-password");
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
    }

    [Fact]
    public async Task GroupChangeInLdap_AppliesToTheLiveSession()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(recheck: "00:00:01"));
        using var client = gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, Lena, "lena-password")).Dispose();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(GatewayHost.App2, "/admin/")).StatusCode);

        await slapd.RemoveFromGroupAsync(Lena, Admins);

        await Poll.UntilAsync(async () => (await client.GetAsync(GatewayHost.App2, "/admin/")).StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(20), "the admin route refuses her once the group is gone");
        Assert.Equal("staff", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-Groups"));
    }

    [Fact]
    public async Task LdapDown_LiveSessionsKeepWorking_SignInGets503_NothingCountedAsFailure()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>(Settings(recheck: "00:00:01"))
        {
            ["Sso:Ldap:Timeout"] = "00:00:01",
            ["Sso:Lockout:MaxFailures"] = "1",
        });
        using var signedIn = gateway.CreateClient();
        (await signedIn.SignInAsync(GatewayHost.App1, Lena, "lena-password")).Dispose();

        slapd.Freeze();
        try
        {
            // Well past the re-check interval (and several sliding refreshes), with the directory down: the session is kept.
            var until = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < until)
            {
                Assert.Equal(Lena, (await signedIn.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
            }
            using var other = gateway.CreateClient();
            for (var attempt = 0; attempt < 2; attempt++)
            {
                using var signIn = await other.SignInAsync(GatewayHost.App1, "someone" + _id, "whatever");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
                Assert.Contains("account directory cannot be reached", await signIn.Content.ReadAsStringAsync());
                Assert.True(signIn.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            }
        }
        finally
        {
            slapd.Thaw();
        }
        // The two refused sign-ins were not counted (MaxFailures is 1): the right password still works.
        using var after = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.Found, (await after.SignInAsync(GatewayHost.App1, Lena, "lena-password")).StatusCode);
    }

    private static async Task<HttpStatusCode> StatusAsync(GatewayClient client)
    {
        using var response = await client.GetAsync(GatewayHost.App1, "/");
        return response.StatusCode;
    }
}
