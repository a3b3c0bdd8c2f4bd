using Gateway.Identity;
using Gateway.Identity.Hashes;
using Gateway.Identity.Sql;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Identity.Sql;

[Collection(PostgresCollection.Name)]
public sealed class SqlAccountDirectoryTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private readonly string _schema = $"t{Guid.NewGuid():N}";
    private SqlAccountDirectory _directory = null!;

    public async Task InitializeAsync()
    {
        await PostgresUsersTable.CreateAsync(postgres, _schema);
        _directory = Directory(PostgresUsersTable.ConnectionString(postgres, _schema));
    }

    public async Task DisposeAsync() => await _directory.DisposeAsync();

    private static SqlAccountDirectory Directory(string connectionString, TimeSpan? timeout = null, Func<string, string, HashCheck>? verify = null) => new(new SqlDirectoryOptions
    {
        Provider = SqlAccountDirectory.PostgreSql,
        ConnectionString = connectionString,
        Query = PostgresUsersTable.Query,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    }, NullLogger<SqlAccountDirectory>.Instance, verify);

    public static TheoryData<string, string> TablesHashes => new()
    {
        { "bcrypt cost 5", BCrypt.Net.BCrypt.HashPassword("kim-password", 5) },
        { "argon2id m=2048,t=2,p=1", Argon2id("kim-password") },
        { "Identity v3, 2000 iterations", new Microsoft.AspNetCore.Identity.PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(
            new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 2000 })).HashPassword(new object(), "kim-password") },
        { "Identity v2", new Microsoft.AspNetCore.Identity.PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(
            new Microsoft.AspNetCore.Identity.PasswordHasherOptions { CompatibilityMode = Microsoft.AspNetCore.Identity.PasswordHasherCompatibilityMode.IdentityV2 }))
            .HashPassword(new object(), "kim-password") },
    };

    /// <summary>
    /// The timing promise by its mechanism (the time itself is measured in bench/SignInTiming): a known user with a
    /// wrong password costs one check of their hash; an unknown one, one check of a dummy of the same algorithm and
    /// cost; and a lookup by a directory that is not the last one asked costs none.
    /// </summary>
    [Theory]
    [MemberData(nameof(TablesHashes))]
    public async Task UnknownUser_CostsOneCheckOfADummy_OfTheTablesKindAndCost(string kind, string hash)
    {
        await PostgresUsersTable.AddUserAsync(postgres, _schema, "kim", hash, "kim@example.com", "Kim", []);
        var checkedHashes = new List<string>();
        await using var directory = Directory(PostgresUsersTable.ConnectionString(postgres, _schema), verify: (stored, password) =>
        {
            lock (checkedHashes)
            {
                checkedHashes.Add(stored);
            }
            return StoredPasswordHash.Verify(stored, password);
        });

        Assert.Equal(PasswordOutcome.WrongPassword, (await directory.CheckPasswordAsync("kim", "guess", checkUnknown: true, default)).Outcome);
        Assert.Equal([hash], checkedHashes);
        checkedHashes.Clear();

        Assert.Equal(PasswordOutcome.UnknownUser, (await directory.CheckPasswordAsync("nobody", "guess", checkUnknown: true, default)).Outcome);
        var dummy = Assert.Single(checkedHashes);
        Assert.NotEqual(hash, dummy);
        Assert.Equal(StoredPasswordHash.ShapeOf(hash), StoredPasswordHash.ShapeOf(dummy));
        checkedHashes.Clear();

        await directory.CheckPasswordAsync("nobody", "guess", checkUnknown: false, default);
        Assert.Empty(checkedHashes);
        _ = kind;
    }

    [Fact]
    public async Task AfterARestart_ReChecksOfLiveSessionsSetTheDummysShape_BeforeAnyoneSignsIn()
    {
        await PostgresUsersTable.AddUserAsync(postgres, _schema, "kim", BCrypt.Net.BCrypt.HashPassword("kim-password", 5), "kim@example.com", "Kim", []);
        await using var directory = Directory(PostgresUsersTable.ConnectionString(postgres, _schema));
        Assert.Equal(HashKind.Identity, StoredPasswordHash.KindOf(directory.CurrentDummyHash)); // nothing read yet: Identity's default

        await directory.FindAsync("kim", default);

        Assert.Equal("bcrypt:05", StoredPasswordHash.ShapeOf(directory.CurrentDummyHash));
    }

    [Fact]
    public async Task Stamp_FollowsThePasswordHash_AndDoesNotHoldIt()
    {
        var before = (await _directory.FindAsync("dora", default))!.Stamp;
        Assert.Equal(before, (await _directory.FindAsync("DORA", default))!.Stamp);
        Assert.DoesNotContain(PostgresUsersTable.BcryptHash, before);
        Assert.Equal(11, before!.Length);

        await postgres.ExecuteAsync($"UPDATE {_schema}.users SET email = 'new@example.com' WHERE username = 'Dora'");
        Assert.Equal(before, (await _directory.FindAsync("dora", default))!.Stamp);

        await postgres.ExecuteAsync($"UPDATE {_schema}.users SET password_hash = @h WHERE username = 'Dora'", ("h", BCrypt.Net.BCrypt.HashPassword("new-password", 4)));
        Assert.NotEqual(before, (await _directory.FindAsync("dora", default))!.Stamp);
    }

    private static string Argon2id(string password)
    {
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        using var argon2 = new Konscious.Security.Cryptography.Argon2id(System.Text.Encoding.UTF8.GetBytes(password))
        {
            Salt = salt, MemorySize = 2048, Iterations = 2, DegreeOfParallelism = 1,
        };
        return $"$argon2id$v=19$m=2048,t=2,p=1${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(argon2.GetBytes(32)).TrimEnd('=')}";
    }

    [Theory]
    [InlineData("Dora", "dora-password")]
    [InlineData("dora", "dora-password")]
    [InlineData("DORA", "dora-password")]
    [InlineData("ed", "ed-password")]
    public async Task RightPassword_Succeeds_WithTheAccountAsTheTableHasIt(string typed, string password)
    {
        var check = await _directory.CheckPasswordAsync(typed, password, checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.Succeeded, check.Outcome);
        Assert.Equal(typed.Equals("ed", StringComparison.OrdinalIgnoreCase) ? "ed" : "Dora", check.Account!.Username);
    }

    [Fact]
    public async Task AccountFields_AndGroupsFromTheJoin()
    {
        var check = await _directory.CheckPasswordAsync("dora", "dora-password", checkUnknown: true, default);

        Assert.Equal(new DirectoryAccount("Dora", "dora@example.com", "Dora Explorer", ["admin", "staff"], false) with
        {
            Groups = check.Account!.Groups, Stamp = AccountStamp.OfDirectoryAccount("Dora", PostgresUsersTable.BcryptHash),
        }, check.Account);
        Assert.Equal(["admin", "staff"], check.Account.Groups);
    }

    [Theory]
    [InlineData("Dora", "wrong", nameof(PasswordOutcome.WrongPassword))]
    [InlineData("Dora", "DORA-PASSWORD", nameof(PasswordOutcome.WrongPassword))]
    [InlineData("Dora", "", nameof(PasswordOutcome.WrongPassword))]
    [InlineData("nobody", "dora-password", nameof(PasswordOutcome.UnknownUser))]
    [InlineData("gone", "dora-password", nameof(PasswordOutcome.Disabled))]
    [InlineData("weird", "password", nameof(PasswordOutcome.UnsupportedHash))]
    [InlineData("' OR '1'='1", "dora-password", nameof(PasswordOutcome.UnknownUser))]
    [InlineData("Dora' --", "x", nameof(PasswordOutcome.UnknownUser))]
    [InlineData("%", "dora-password", nameof(PasswordOutcome.UnknownUser))]
    [InlineData("Dora\0", "dora-password", nameof(PasswordOutcome.UnknownUser))]
    public async Task EverythingElse_IsRefused(string typed, string password, string expected)
    {
        PasswordCheck check;
        try
        {
            check = await _directory.CheckPasswordAsync(typed, password, checkUnknown: true, default);
        }
        catch (DirectoryUnavailableException) when (typed.Contains('\0'))
        {
            // PostgreSQL refuses NUL in text: a refusal too, never a sign-in.
            return;
        }

        Assert.Equal(expected, check.Outcome.ToString());
        Assert.False(check.Succeeded);
    }

    [Fact]
    public async Task FindAsync_SeesEditsOfTheTable()
    {
        Assert.Equal(["admin", "staff"], (await _directory.FindAsync("dora", default))!.Groups);

        await postgres.ExecuteAsync($"DELETE FROM {_schema}.user_groups WHERE group_id = (SELECT id FROM {_schema}.groups WHERE name = 'admin')");
        Assert.Equal(["staff"], (await _directory.FindAsync("dora", default))!.Groups);

        await postgres.ExecuteAsync($"UPDATE {_schema}.users SET disabled = true WHERE username = 'Dora'");
        Assert.True((await _directory.FindAsync("dora", default))!.Disabled);

        await postgres.ExecuteAsync($"DELETE FROM {_schema}.users WHERE username = 'Dora'");
        Assert.Null(await _directory.FindAsync("dora", default));
    }

    [Fact]
    public async Task DatabaseUnreachable_IsUnavailable_NotAFailedSignIn()
    {
        await using var directory = Directory("Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=2", TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.CheckPasswordAsync("dora", "dora-password", checkUnknown: true, default));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.FindAsync("dora", default));
    }
}
