using Gateway.Identity;
using Gateway.Identity.Sql;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Identity.Sql;

/// <summary>The same users table in a real MariaDB, groups aggregated with <c>GROUP_CONCAT</c>, hashes from PHP.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbAccountDirectoryTests(MariaDbServerFixture mariadb) : IAsyncLifetime
{
    private const string Query = """
        SELECT u.username, u.password_hash, u.email, u.display_name AS name,
               GROUP_CONCAT(g.name ORDER BY g.name SEPARATOR ',') AS `groups`, u.disabled
        FROM users u
        LEFT JOIN user_groups ug ON ug.user_id = u.id
        LEFT JOIN `groups` g ON g.id = ug.group_id
        WHERE u.username = @username
        GROUP BY u.id
        """;

    private SqlAccountDirectory _directory = null!;

    public async Task InitializeAsync()
    {
        await mariadb.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS users (id int AUTO_INCREMENT PRIMARY KEY, username varchar(100) NOT NULL UNIQUE,
                password_hash varchar(255) NOT NULL, email varchar(255), display_name varchar(255), disabled tinyint(1) NOT NULL DEFAULT 0)
                CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE TABLE IF NOT EXISTS `groups` (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL UNIQUE);
            CREATE TABLE IF NOT EXISTS user_groups (user_id int, group_id int);
            DELETE FROM user_groups; DELETE FROM users; DELETE FROM `groups`;
            INSERT INTO `groups` (name) VALUES ('staff'), ('admin');
            """);
        await AddAsync("fatima", Php("fatima-password", "PASSWORD_BCRYPT"), ["staff", "admin"]);
        await AddAsync("张三", Php("zhang-password", "PASSWORD_ARGON2ID"), ["staff"]);
        await AddAsync("off", Php("off-password", "PASSWORD_BCRYPT"), [], disabled: true);
        _directory = new SqlAccountDirectory(new SqlDirectoryOptions
        {
            Provider = SqlAccountDirectory.MySql,
            ConnectionString = mariadb.ConnectionString,
            Query = Query,
        }, NullLogger<SqlAccountDirectory>.Instance);
    }

    public async Task DisposeAsync() => await _directory.DisposeAsync();

    [Theory]
    [InlineData("fatima", "fatima-password", "Succeeded")]
    [InlineData("FATIMA", "fatima-password", "Succeeded")] // the column's collation is case-insensitive
    [InlineData("张三", "zhang-password", "Succeeded")]
    [InlineData("fatima", "zhang-password", "WrongPassword")]
    [InlineData("off", "off-password", "Disabled")]
    [InlineData("nobody", "fatima-password", "UnknownUser")]
    [InlineData("' OR 1=1 #", "fatima-password", "UnknownUser")]
    public async Task SignInOutcomes(string typed, string password, string expected)
    {
        var check = await _directory.CheckPasswordAsync(typed, password, checkUnknown: true, default);

        Assert.Equal(expected, check.Outcome.ToString());
    }

    [Fact]
    public async Task GroupsFromGroupConcat()
    {
        var account = await _directory.FindAsync("fatima", default);

        Assert.Equal(new[] { "admin", "staff" }, account!.Groups);
        Assert.Equal("fatima@example.com", account.Email);
    }

    private Task AddAsync(string username, string hash, string[] groups, bool disabled = false) =>
        mariadb.ExecuteAsync("""
            INSERT INTO users (username, password_hash, email, display_name, disabled) VALUES (@u, @h, CONCAT(@u, '@example.com'), @u, @d);
            INSERT INTO user_groups SELECT u.id, g.id FROM users u JOIN `groups` g ON FIND_IN_SET(g.name, @g) WHERE u.username = @u;
            """, ("u", username), ("h", hash), ("d", disabled), ("g", string.Join(',', groups)));

    private static string Php(string password, string algorithm)
    {
        var start = new System.Diagnostics.ProcessStartInfo("php", ["-r", $"echo password_hash('{password}', {algorithm});"]) { RedirectStandardOutput = true };
        using var php = System.Diagnostics.Process.Start(start)!;
        var hash = php.StandardOutput.ReadToEnd().Trim();
        php.WaitForExit();
        Assert.Equal(0, php.ExitCode);
        return hash;
    }
}
