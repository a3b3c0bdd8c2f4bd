// slapd for the timing bench, started the way the test suite's fixture starts it (Gateway.Tests/TestInfrastructure/
// SlapdServerFixture) with the same process helpers (ServerProcess, FreePort, Poll, compiled in from there), but with
// its own population (alice and the dummy-bind entry) and without the xunit plumbing. PostgreSQL and MariaDB are the
// suite's own PostgresServer and MariaDbServer, compiled in as well.

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Tests.TestInfrastructure;

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
