using Gateway.Identity;
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

    private static SqlAccountDirectory Directory(string connectionString, TimeSpan? timeout = null) => new(new SqlDirectoryOptions
    {
        Provider = SqlAccountDirectory.PostgreSql,
        ConnectionString = connectionString,
        Query = PostgresUsersTable.Query,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    }, NullLogger<SqlAccountDirectory>.Instance);

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

        Assert.Equal(new DirectoryAccount("Dora", "dora@example.com", "Dora Explorer", ["admin", "staff"], false) with { Groups = check.Account!.Groups }, check.Account);
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
