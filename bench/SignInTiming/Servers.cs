// Real directory servers for the timing bench, started the way the test suite's fixtures start them
// (Gateway.Tests/TestInfrastructure: SlapdServerFixture, PostgresServerFixture, MariaDbServerFixture), with the same
// process helpers (ServerProcess, FreePort, Poll, compiled in from there) but without the xunit plumbing: Debian's
// binaries, a temporary folder, a free loopback port, stopped and removed at the end.

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Tests.TestInfrastructure;
using MySqlConnector;
using Npgsql;

/// <summary>One server process and its folder; disposing stops it and removes the folder.</summary>
internal sealed class BenchServer(string name, ServerProcess process, string folder, int port) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public string Name => name;

    public int Port => port;

    public ValueTask DisposeAsync() => new(ServerProcess.StopAndRemoveAsync(process, folder));

    public const string LdapBaseDn = "dc=example,dc=com";
    public const string LdapAdminDn = "cn=admin," + LdapBaseDn;
    public const string LdapAdminPassword = "bench-admin-password";
    public const string LdapPeople = "ou=people," + LdapBaseDn;
    public const string DatabaseUser = "gateway";
    public const string DatabasePassword = "bench-db-password";

    /// <summary>
    /// slapd with one person, <c>alice</c>, whose <c>userPassword</c> is <paramref name="userPassword"/> (e.g. an
    /// <c>{SSHA}</c> value), and <c>uid=dummy</c> with <paramref name="dummyPassword"/> (for <c>Sso:Ldap:DummyBindDn</c>).
    /// </summary>
    public static async Task<BenchServer> StartSlapdAsync(string userPassword, string dummyPassword)
    {
        var folder = Directory.CreateTempSubdirectory("ssogw-bench-slapd-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        var config = Path.Combine(folder, "slapd.conf");
        await File.WriteAllTextAsync(config, $$"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            pidfile {{folder}}/slapd.pid
            modulepath /usr/lib/ldap
            moduleload back_mdb
            moduleload argon2
            database mdb
            maxsize 10485760
            suffix "{{LdapBaseDn}}"
            rootdn "{{LdapAdminDn}}"
            rootpw {{LdapAdminPassword}}
            directory {{folder}}/data
            """);
        // Filled before it starts (slapadd), so no LDAP client tool is needed.
        var ldif = Path.Combine(folder, "people.ldif");
        await File.WriteAllTextAsync(ldif, $"""
            dn: {LdapBaseDn}
            objectClass: dcObject
            objectClass: organization
            o: Example
            dc: example

            dn: {LdapPeople}
            objectClass: organizationalUnit
            ou: people

            dn: uid=alice,{LdapPeople}
            objectClass: inetOrgPerson
            uid: alice
            cn: Alice
            sn: Alice
            mail: alice@example.com
            userPassword: {userPassword}

            dn: uid=dummy,{LdapPeople}
            objectClass: inetOrgPerson
            uid: dummy
            cn: Dummy
            sn: Dummy
            userPassword: {dummyPassword}

            """);
        await ServerProcess.RunAsync(ServerProcess.Find("/usr/sbin/slapadd"), ["-f", config, "-b", LdapBaseDn, "-l", ldif]);
        var port = 0;
        var process = await ServerProcess.StartAndWaitAsync("slapd", () =>
        {
            port = FreePort.Next();
            return ServerProcess.Start(ServerProcess.Find("/usr/sbin/slapd"), ["-f", config, "-h", $"ldap://127.0.0.1:{port}/", "-d", "0"]);
        }, () => CanConnectTcp(port), StartTimeout);
        return new BenchServer("slapd", process, folder, port);
    }

    /// <summary>The <c>{ARGON2}</c> (or other scheme) value slapd's own <c>slappasswd</c> makes of a password.</summary>
    public static async Task<string> SlappasswdAsync(string scheme, string password)
    {
        var start = new ProcessStartInfo(ServerProcess.Find("/usr/sbin/slappasswd"), ["-o", "module-load=argon2", "-h", scheme, "-s", password])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException("slappasswd failed");
    }

    public static async Task<BenchServer> StartPostgresAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).FirstOrDefault()
            ?? throw new InvalidOperationException("postgresql is not installed (bash scripts/test.sh installs it)");
        var folder = Directory.CreateTempSubdirectory("ssogw-bench-pg-").FullName;
        var data = Path.Combine(folder, "data");
        var passwordFile = Path.Combine(folder, "pw");
        await File.WriteAllTextAsync(passwordFile, DatabasePassword + "\n");
        ServerProcess.GiveTo(folder, "postgres");
        await ServerProcess.RunAsync(Path.Combine(bin, "initdb"),
            ["-D", data, "-U", DatabaseUser, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"], asUser: "postgres");
        var port = 0;
        var process = await ServerProcess.StartAndWaitAsync("postgres", () =>
        {
            port = FreePort.Next();
            return ServerProcess.Start(Path.Combine(bin, "postgres"),
                ["-D", data, "-p", port.ToString(), "-h", "127.0.0.1", "-k", folder, "-c", "fsync=off"], asUser: "postgres");
        }, async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(PostgresConnectionString(port) + ";Pooling=false");
                await connection.OpenAsync();
                return true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, StartTimeout);
        return new BenchServer("postgres", process, folder, port);
    }

    public static string PostgresConnectionString(int port) =>
        $"Host=127.0.0.1;Port={port};Username={DatabaseUser};Password={DatabasePassword};Database=postgres;Timeout=5";

    public static async Task<BenchServer> StartMariaDbAsync()
    {
        var installDb = ServerProcess.Find("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db");
        var server = ServerProcess.Find("/usr/sbin/mariadbd", "/usr/sbin/mysqld");
        var folder = Directory.CreateTempSubdirectory("ssogw-bench-mariadb-").FullName;
        var data = Path.Combine(folder, "data");
        var socket = Path.Combine(folder, "mariadb.sock");
        ServerProcess.GiveTo(folder, "mysql");
        await ServerProcess.RunAsync(installDb, ["--no-defaults", $"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], asUser: "mysql");
        var port = 0;
        var admin = $"Server={socket};Protocol=Unix;User ID=root;Connection Timeout=5;Pooling=false";
        var process = await ServerProcess.StartAndWaitAsync("mariadbd", () =>
        {
            port = FreePort.Next();
            return ServerProcess.Start(server,
            [
                "--no-defaults", $"--datadir={data}", $"--port={port}", "--bind-address=127.0.0.1", $"--socket={socket}",
                $"--pid-file={Path.Combine(folder, "mariadb.pid")}", "--skip-log-bin", "--skip-name-resolve",
                "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--performance-schema=OFF",
            ], asUser: "mysql");
        }, async () =>
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
        }, StartTimeout);
        await using (var connection = new MySqlConnection(admin))
        {
            await connection.OpenAsync();
            foreach (var sql in new[]
            {
                "CREATE DATABASE site CHARACTER SET utf8mb4",
                $"CREATE USER '{DatabaseUser}'@'%' IDENTIFIED BY '{DatabasePassword}'",
                $"GRANT ALL ON site.* TO '{DatabaseUser}'@'%'",
            })
            {
                await using var command = new MySqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }
        return new BenchServer("mariadbd", process, folder, port);
    }

    public static string MariaDbConnectionString(int port) =>
        $"Server=127.0.0.1;Port={port};User ID={DatabaseUser};Password={DatabasePassword};Database=site;Connection Timeout=5";

    private static async Task<bool> CanConnectTcp(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
