using MySqlConnector;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real MariaDB (Debian's binaries): <c>mariadb-install-db</c> into a temporary folder, <c>mariadbd</c> on a free
/// loopback port, one database and password user for the gateway; stopped and removed at the end.
/// </summary>
public sealed class MariaDbServerFixture : IAsyncLifetime
{
    public const string User = "gateway";
    public const string Password = "gateway-test-password";
    public const string Database = "site";

    private ServerProcess? _server;
    private string _folder = "";

    public int Port { get; private set; }

    private string Socket => Path.Combine(_folder, "mariadb.sock");

    public string ConnectionString => $"Server=127.0.0.1;Port={Port};User ID={User};Password={Password};Database={Database};Connection Timeout=5";

    public async Task InitializeAsync()
    {
        var installDb = ServerProcess.Find("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db");
        var server = ServerProcess.Find("/usr/sbin/mariadbd", "/usr/sbin/mysqld");
        _folder = Directory.CreateTempSubdirectory("ssogw-mariadb-").FullName;
        var data = Path.Combine(_folder, "data");
        ServerProcess.GiveTo(_folder, "mysql");
        await ServerProcess.RunAsync(installDb,
            ["--no-defaults", $"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], asUser: "mysql");
        _server = await ServerProcess.StartAndWaitAsync("mariadbd", () =>
        {
            Port = FreePort.Next();
            return ServerProcess.Start(server,
            [
                "--no-defaults", $"--datadir={data}", $"--port={Port}", "--bind-address=127.0.0.1", $"--socket={Socket}",
                $"--pid-file={Path.Combine(_folder, "mariadb.pid")}", "--skip-log-bin", "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--performance-schema=OFF",
            ], asUser: "mysql");
        }, CanConnectAsync, TimeSpan.FromSeconds(60));
        await using var admin = new MySqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        foreach (var sql in new[]
        {
            $"CREATE DATABASE {Database} CHARACTER SET utf8mb4",
            $"CREATE USER '{User}'@'%' IDENTIFIED BY '{Password}'",
            $"GRANT ALL ON {Database}.* TO '{User}'@'%'",
        })
        {
            await using var command = new MySqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Runs SQL in the gateway's database (tables, rows, updates).</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(ConnectionString + ";Allow User Variables=true");
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    private string AdminConnectionString => $"Server={Socket};Protocol=Unix;User ID=root;Connection Timeout=5;Pooling=false";

    private async Task<bool> CanConnectAsync()
    {
        try
        {
            await using var connection = new MySqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (MySqlException)
        {
            return false;
        }
    }

    public async Task DisposeAsync()
    {
        MySqlConnection.ClearAllPools();
        await ServerProcess.StopAndRemoveAsync(_server, _folder);
    }
}

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbServerFixture>
{
    public const string Name = "mariadb";
}
