using MySqlConnector;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real MariaDB (Debian's binaries): <c>mariadb-install-db</c> into a temporary folder, <c>mariadbd</c> on a free
/// loopback port, one database and password user for the gateway; disposing stops it and removes the folder. Used by
/// the suite's fixture (<see cref="MariaDbServerFixture"/>) and by <c>bench/SignInTiming</c>.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _folder;

    private MariaDbServer(ServerProcess process, string folder, int port, string user, string password, string database)
    {
        _process = process;
        _folder = folder;
        Port = port;
        ConnectionString = $"Server=127.0.0.1;Port={port};User ID={user};Password={password};Database={database};Connection Timeout=5";
    }

    public int Port { get; }

    /// <summary>The gateway's user in its own database.</summary>
    public string ConnectionString { get; }

    public static async Task<MariaDbServer> StartAsync(string user, string password, string database)
    {
        var installDb = ServerProcess.Find("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db");
        var server = ServerProcess.Find("/usr/sbin/mariadbd", "/usr/sbin/mysqld");
        var folder = Directory.CreateTempSubdirectory("ssogw-mariadb-").FullName;
        var data = Path.Combine(folder, "data");
        var socket = Path.Combine(folder, "mariadb.sock");
        // root over the Unix socket only: the server's own folder, nothing on the port.
        var admin = $"Server={socket};Protocol=Unix;User ID=root;Connection Timeout=5;Pooling=false";
        ServerProcess.GiveTo(folder, "mysql");
        await ServerProcess.RunAsync(installDb,
            ["--no-defaults", $"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], asUser: "mysql");
        var port = 0;
        var process = await ServerProcess.StartAndWaitAsync("mariadbd", () =>
        {
            port = FreePort.Next();
            return ServerProcess.Start(server,
            [
                "--no-defaults", $"--datadir={data}", $"--port={port}", "--bind-address=127.0.0.1", $"--socket={socket}",
                $"--pid-file={Path.Combine(folder, "mariadb.pid")}", "--skip-log-bin", "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--performance-schema=OFF",
            ], asUser: "mysql");
        }, () => CanConnectAsync(admin), TimeSpan.FromSeconds(60));
        await using var connection = new MySqlConnection(admin);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            $"CREATE DATABASE {database} CHARACTER SET utf8mb4",
            $"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'",
            $"GRANT ALL ON {database}.* TO '{user}'@'%'",
        })
        {
            await using var command = new MySqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
        return new MariaDbServer(process, folder, port, user, password, database);
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

    private static async Task<bool> CanConnectAsync(string admin)
    {
        try
        {
            await using var connection = new MySqlConnection(admin);
            await connection.OpenAsync();
            return true;
        }
        catch (MySqlException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        MySqlConnection.ClearAllPools();
        await ServerProcess.StopAndRemoveAsync(_process, _folder);
    }
}
