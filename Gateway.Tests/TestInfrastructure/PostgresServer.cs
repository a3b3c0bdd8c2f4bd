using Npgsql;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real PostgreSQL (Debian's binaries): <c>initdb</c> into a temporary folder, <c>postgres</c> on a free loopback
/// port with password authentication, one database and user for the gateway; disposing stops it and removes the
/// folder. Used by the suite's fixture (<see cref="PostgresServerFixture"/>) and by <c>bench/SignInTiming</c>.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string SuperuserPassword = "superuser-test-password";

    private readonly ServerProcess _process;
    private readonly string _folder;

    private PostgresServer(ServerProcess process, string folder, int port, string user, string password, string database)
    {
        _process = process;
        _folder = folder;
        Port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username={user};Password={password};Database={database};Pooling=true;Timeout=5";
    }

    public int Port { get; }

    /// <summary>The gateway's user in its own database.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresServer> StartAsync(string user, string password, string database)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).FirstOrDefault()
            ?? throw new InvalidOperationException("postgresql is not installed: run the README's test command, which installs it.");
        var folder = Directory.CreateTempSubdirectory("ssogw-pg-").FullName;
        var data = Path.Combine(folder, "data");
        var passwordFile = Path.Combine(folder, "pw");
        await File.WriteAllTextAsync(passwordFile, SuperuserPassword + "\n");
        ServerProcess.GiveTo(folder, "postgres");
        await ServerProcess.RunAsync(Path.Combine(bin, "initdb"),
            ["-D", data, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"], asUser: "postgres");
        var port = 0;
        var process = await ServerProcess.StartAndWaitAsync("postgres", () =>
        {
            port = FreePort.Next();
            return ServerProcess.Start(Path.Combine(bin, "postgres"),
                ["-D", data, "-p", port.ToString(), "-h", "127.0.0.1", "-k", folder, "-c", "fsync=off", "-c", "full_page_writes=off"], asUser: "postgres");
        }, () => CanConnectAsync(port), TimeSpan.FromSeconds(30));
        await using var admin = new NpgsqlConnection(AdminConnectionString(port));
        await admin.OpenAsync();
        await Execute(admin, $"CREATE ROLE {user} LOGIN PASSWORD '{password}'");
        await Execute(admin, $"CREATE DATABASE {database} OWNER {user}");
        return new PostgresServer(process, folder, port, user, password, database);
    }

    /// <summary>Runs SQL in the gateway's database as its owner (tables, rows, updates).</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the server (SIGSTOP) so that connections hang: a directory that does not answer.</summary>
    public void Freeze() => _process.Signal("STOP");

    public void Thaw() => _process.Signal("CONT");

    private static string AdminConnectionString(int port) =>
        $"Host=127.0.0.1;Port={port};Username=postgres;Password={SuperuserPassword};Database=postgres;Pooling=false;Timeout=5";

    private static async Task<bool> CanConnectAsync(int port)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString(port));
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ServerProcess.StopAndRemoveAsync(_process, _folder);
    }
}
