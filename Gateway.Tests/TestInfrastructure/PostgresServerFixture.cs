using Npgsql;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real PostgreSQL (Debian's binaries): <c>initdb</c> into a temporary folder, <c>postgres</c> on a free loopback
/// port with password authentication, one database and user for the gateway; stopped and removed at the end.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public const string User = "gateway";
    public const string Password = "gateway-test-password";
    public const string Database = "site";

    private ServerProcess? _server;
    private string _folder = "";

    public int Port { get; private set; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={Database};Pooling=true;Timeout=5";

    public async Task InitializeAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).FirstOrDefault()
            ?? throw new InvalidOperationException("postgresql is not installed: run the README's test command, which installs it.");
        _folder = Directory.CreateTempSubdirectory("ssogw-pg-").FullName;
        var data = Path.Combine(_folder, "data");
        var passwordFile = Path.Combine(_folder, "pw");
        await File.WriteAllTextAsync(passwordFile, "superuser-test-password\n");
        ServerProcess.GiveTo(_folder, "postgres");
        await ServerProcess.RunAsync(Path.Combine(bin, "initdb"),
            ["-D", data, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"], asUser: "postgres");
        _server = await ServerProcess.StartAndWaitAsync("postgres", () =>
        {
            Port = FreePort.Next();
            return ServerProcess.Start(Path.Combine(bin, "postgres"),
                ["-D", data, "-p", Port.ToString(), "-h", "127.0.0.1", "-k", _folder, "-c", "fsync=off", "-c", "full_page_writes=off"], asUser: "postgres");
        }, CanConnectAsync, TimeSpan.FromSeconds(30));
        await using var admin = new NpgsqlConnection(AdminConnectionString("postgres"));
        await admin.OpenAsync();
        await Execute(admin, $"CREATE ROLE {User} LOGIN PASSWORD '{Password}'");
        await Execute(admin, $"CREATE DATABASE {Database} OWNER {User}");
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
    public void Freeze() => _server!.Signal("STOP");

    public void Thaw() => _server!.Signal("CONT");

    private string AdminConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password=superuser-test-password;Database={database};Pooling=false;Timeout=5";

    private async Task<bool> CanConnectAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
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

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ServerProcess.StopAndRemoveAsync(_server, _folder);
    }
}

/// <summary>With a Redis of its own, for end-to-end tests of several gateway instances.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>, ICollectionFixture<RedisServerFixture>
{
    public const string Name = "postgres";
}
