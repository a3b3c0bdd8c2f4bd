using System.Net;
using Gateway.Hosting;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Identity.Sql;

/// <summary>The sign-in form against the site's users table in a real PostgreSQL, end to end.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SqlSignInTests(PostgresServerFixture postgres, RedisServerFixture redis) : IAsyncLifetime
{
    private readonly string _schema = $"t{Guid.NewGuid():N}";

    public Task InitializeAsync() => PostgresUsersTable.CreateAsync(postgres, _schema);

    public Task DisposeAsync() => Task.CompletedTask;

    private Dictionary<string, string?> Settings(string recheck = "00:05:00") => new()
    {
        ["Sso:Sql:Provider"] = "PostgreSql",
        ["Sso:Sql:ConnectionString"] = PostgresUsersTable.ConnectionString(postgres, _schema),
        ["Sso:Sql:Query"] = PostgresUsersTable.Query,
        ["Sso:Sql:RecheckInterval"] = recheck,
        ["Sso:IdleTimeout"] = "00:00:10",
    };

    [Fact]
    public async Task TableUser_SignsIn_WithBcryptHash_HeadersFromTheRow_GroupsDrivePolicies()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var client = gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, "dora", "dora-password");

        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        var echoed = await client.GetEchoAsync(GatewayHost.App1, "/");
        Assert.Equal("Dora", echoed.Header("X-Forwarded-User"));
        Assert.Equal("dora@example.com", echoed.Header("X-Forwarded-Email"));
        Assert.Equal("Dora Explorer", echoed.Header("X-Forwarded-Name"));
        Assert.Equal("admin,staff", echoed.Header("X-Forwarded-Groups"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(GatewayHost.App2, "/admin/")).StatusCode);
    }

    [Theory]
    [InlineData("dora", "wrong")]
    [InlineData("gone", "dora-password")]
    [InlineData("weird", "password")]
    [InlineData("nobody", "dora-password")]
    [InlineData("' OR '1'='1", "x")]
    public async Task EveryFailure_GetsTheSameGenericAnswer(string username, string password)
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var client = gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, username, password);

        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        Assert.Contains("Wrong username or password.", await signIn.Content.ReadAsStringAsync());
        Assert.Null(client.SessionCookie());
    }

    [Fact]
    public async Task RowDeleted_SessionEndsAtTheNextRecheck()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(recheck: "00:00:01"));
        using var client = gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, "ed", "ed-password")).Dispose();
        Assert.Equal("ed", (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));

        await postgres.ExecuteAsync($"DELETE FROM {_schema}.users WHERE username = 'ed'");

        await Poll.UntilAsync(async () => (await client.GetAsync(GatewayHost.App1, "/")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "the deleted row's session is refused");
    }

    [Fact]
    public async Task PasswordChangedInTheTable_SessionEndsOnBothInstances_AtTheNextRecheck()
    {
        await using var instances = await TwoInstances.StartAsync(redis, Settings(recheck: "00:00:01"));
        using var onA = instances.A.CreateClient();
        (await onA.SignInAsync(GatewayHost.App1, "dora", "dora-password")).Dispose();
        using var onB = TwoInstances.SameBrowser(instances.B, onA);
        var signedIn = (await instances.A.SessionOfAsync(onA.SessionCookie()!.Value))!;
        // The record holds a stamp of the hash, never the hash (nor any part of it).
        Assert.NotNull(signedIn.AccountStamp);
        Assert.DoesNotContain(PostgresUsersTable.BcryptHash[7..20], System.Text.Json.JsonSerializer.Serialize(signedIn));

        // Re-checks of an unchanged row keep the session (and its stamp).
        await Poll.UntilAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync(GatewayHost.App1, "/")).StatusCode);
            return (await instances.A.SessionOfAsync(onA.SessionCookie()!.Value))?.CheckedAt > signedIn.CheckedAt;
        }, TimeSpan.FromSeconds(20), "a re-check passes");
        Assert.Equal(signedIn.AccountStamp, (await instances.A.SessionOfAsync(onA.SessionCookie()!.Value))!.AccountStamp);

        // The site's own "change password" page writes a new hash (same algorithm and cost).
        await postgres.ExecuteAsync($"UPDATE {_schema}.users SET password_hash = @h WHERE username = 'Dora'",
            ("h", BCrypt.Net.BCrypt.HashPassword("dora-new-password", 4)));

        await Poll.UntilAsync(async () => (await onA.GetAsync(GatewayHost.App1, "/")).StatusCode == HttpStatusCode.Unauthorized
                && (await onB.GetAsync(GatewayHost.App1, "/")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "the session issued under the old password is refused by both instances");
        using var again = instances.B.CreateClient();
        Assert.Equal(HttpStatusCode.Found, (await again.SignInAsync(GatewayHost.App1, "dora", "dora-new-password")).StatusCode);
    }

    /// <summary>Lockout counts what was typed, before the table is read: an unknown name locks like a known one.</summary>
    [Theory]
    [InlineData("dora", "dora-password")]
    [InlineData("nobody", "guess")]
    public async Task Lockout_CountsUnknownNamesLikeKnownOnes(string username, string thirdPassword)
    {
        var (status, lockedBy) = await LockoutProbe.ThirdAttemptAsync(Settings(), username, thirdPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("Username", lockedBy);
    }

    [Fact]
    public async Task DatabaseUnreachable_SignInGets503_NeverA500()
    {
        var settings = Settings();
        settings["Sso:Sql:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=2";
        settings["Sso:Sql:Timeout"] = "00:00:02";
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var client = gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, "dora", "dora-password");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
        Assert.Contains("account directory cannot be reached", await signIn.Content.ReadAsStringAsync());
        // The users file is asked first and still answers.
        using var alice = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.Found, (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).StatusCode);
    }

    [Theory]
    [InlineData("Sso:Sql:Provider", "Oracle", "Sso:Sql:Provider")]
    [InlineData("Sso:Sql:Query", "SELECT * FROM users WHERE username = 'x'", "Sso:Sql:Query")]
    [InlineData("Sso:Sql:ConnectionString", "", "Sso:Sql:ConnectionString")]
    [InlineData("Sso:Sql:Timeout", "00:00:00", "Sso:Sql:Timeout")]
    [InlineData("Sso:Directories:0", "ldap", "Sso:Directories:0")]
    [InlineData("Sso:Directories:0", "nis", "Sso:Directories:0")]
    [InlineData("Sso:Ldap:Url", "http://ldap.example.com", "Sso:Ldap:Url")]
    [InlineData("Sso:Ldap:Url", "ldap://ldap.example.com", "Sso:Ldap:BindDn")]
    public async Task BadDirectoryKeys_StopStartup_NamingTheKey(string key, string value, string named)
    {
        var settings = Settings();
        settings[key] = value;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(settings));

        Assert.Contains(StartupErrors.Describe(error)!, m => m.StartsWith(named + ":", StringComparison.Ordinal));
    }
}
