// Real directory servers for the timing bench, started the way the test suite's fixtures start them
// (Gateway.Tests/TestInfrastructure: SlapdServerFixture, PostgresServerFixture, MariaDbServerFixture) but without
// their xunit plumbing: Debian's binaries, a temporary folder, a free loopback port, stopped and removed at the end.

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;
using Npgsql;

/// <summary>One server process and its folder; disposing stops it and removes the folder.</summary>
internal sealed class BenchServer(string name, Process process, string folder, int port) : IAsyncDisposable
{
    public string Name => name;

    public int Port => port;

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

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
        await RunAsync(Find("/usr/sbin/slapadd"), ["-f", config, "-b", LdapBaseDn, "-l", ldif]);
        var port = FreePort();
        var process = Start(Find("/usr/sbin/slapd"), ["-f", config, "-h", $"ldap://127.0.0.1:{port}/", "-d", "0"]);
        await WaitAsync("slapd", process, () => CanConnectTcp(port));
        return new BenchServer("slapd", process, folder, port);
    }

    /// <summary>The <c>{ARGON2}</c> (or other scheme) value slapd's own <c>slappasswd</c> makes of a password.</summary>
    public static async Task<string> SlappasswdAsync(string scheme, string password)
    {
        var start = new ProcessStartInfo(Find("/usr/sbin/slappasswd"), ["-o", "module-load=argon2", "-h", scheme, "-s", password])
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
        GiveTo(folder, "postgres");
        await RunAsync(Path.Combine(bin, "initdb"),
            ["-D", data, "-U", DatabaseUser, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C.UTF-8"], asUser: "postgres");
        var port = FreePort();
        var process = Start(Path.Combine(bin, "postgres"),
            ["-D", data, "-p", port.ToString(), "-h", "127.0.0.1", "-k", folder, "-c", "fsync=off"], asUser: "postgres");
        await WaitAsync("postgres", process, async () =>
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
        });
        return new BenchServer("postgres", process, folder, port);
    }

    public static string PostgresConnectionString(int port) =>
        $"Host=127.0.0.1;Port={port};Username={DatabaseUser};Password={DatabasePassword};Database=postgres;Timeout=5";

    public static async Task<BenchServer> StartMariaDbAsync()
    {
        var installDb = Find("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db");
        var server = Find("/usr/sbin/mariadbd", "/usr/sbin/mysqld");
        var folder = Directory.CreateTempSubdirectory("ssogw-bench-mariadb-").FullName;
        var data = Path.Combine(folder, "data");
        var socket = Path.Combine(folder, "mariadb.sock");
        GiveTo(folder, "mysql");
        await RunAsync(installDb, ["--no-defaults", $"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], asUser: "mysql");
        var port = FreePort();
        var process = Start(server,
        [
            "--no-defaults", $"--datadir={data}", $"--port={port}", "--bind-address=127.0.0.1", $"--socket={socket}",
            $"--pid-file={Path.Combine(folder, "mariadb.pid")}", "--skip-log-bin", "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--performance-schema=OFF",
        ], asUser: "mysql");
        var admin = $"Server={socket};Protocol=Unix;User ID=root;Connection Timeout=5;Pooling=false";
        await WaitAsync("mariadbd", process, async () =>
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
        });
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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

    private static async Task WaitAsync(string name, Process process, Func<Task<bool>> answers)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await answers())
        {
            if (process.HasExited || DateTime.UtcNow > until)
            {
                throw new InvalidOperationException($"{name} did not start");
            }
            await Task.Delay(100);
        }
    }

    private static string Find(params string[] candidates) =>
        candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{Path.GetFileName(candidates[0])} is not installed (bash scripts/test.sh installs it)");

    // PostgreSQL and MariaDB refuse to run as root: as their system users then, owning their folders.
    private static void GiveTo(string folder, string user)
    {
        if (Environment.UserName == "root")
        {
            using var chown = Process.Start("chown", ["-R", $"{user}:{user}", folder]);
            chown!.WaitForExit();
        }
    }

    private static ProcessStartInfo StartInfo(string executable, IEnumerable<string> args, string? asUser)
    {
        var runAs = asUser is not null && Environment.UserName == "root";
        var start = new ProcessStartInfo(runAs ? "/usr/sbin/runuser" : executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (runAs)
        {
            foreach (var arg in new[] { "-u", asUser!, "--", executable })
            {
                start.ArgumentList.Add(arg);
            }
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    private static Process Start(string executable, IEnumerable<string> args, string? asUser = null)
    {
        var process = Process.Start(StartInfo(executable, args, asUser)) ?? throw new InvalidOperationException($"{executable} did not start");
        // Drain the output so that a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task RunAsync(string executable, IEnumerable<string> args, string? asUser = null)
    {
        using var process = Process.Start(StartInfo(executable, args, asUser)) ?? throw new InvalidOperationException($"{executable} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} exited {process.ExitCode}: {await stdout} {await stderr}");
        }
    }
}
