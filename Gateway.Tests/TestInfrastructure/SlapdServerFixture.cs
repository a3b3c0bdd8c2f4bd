using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A real OpenLDAP <c>slapd</c> (Debian's package) with a generated configuration on a free loopback port, holding
/// people and groups under <c>dc=example,dc=com</c> and a read-only service account; stopped and removed at the end.
/// The ppolicy overlay keeps <c>pwdChangedTime</c>; <c>cn=Monitor</c> counts binds (<see cref="BindsAsync"/>) and the
/// accesslog overlay says to which DN (<see cref="BindsToAsync"/>); a
/// second database, <see cref="TlsOnlyBaseDn"/>, refuses simple binds without TLS; StartTLS is offered on
/// <see cref="Url"/> with the same certificate as <see cref="TlsUrl"/>.
/// </summary>
public sealed class SlapdServerFixture : IAsyncLifetime
{
    public const string BaseDn = "dc=example,dc=com";
    public const string AdminDn = "cn=admin," + BaseDn;
    public const string AdminPassword = "admin-test-password";
    public const string ReaderDn = "cn=reader," + BaseDn;
    public const string ReaderPassword = "reader-test-password";
    public const string People = "ou=people," + BaseDn;
    public const string Groups = "ou=groups," + BaseDn;

    /// <summary>A database whose simple binds need TLS (slapd's <c>security simple_bind=1</c>): a bind there proves TLS was up.</summary>
    public const string TlsOnlyBaseDn = "dc=tls,dc=test";
    public const string TlsOnlyAdminDn = "cn=admin," + TlsOnlyBaseDn;
    public const string TlsOnlyAdminPassword = "tls-admin-test-password";
    public const string TlsOnlyPeople = "ou=people," + TlsOnlyBaseDn;

    /// <summary>The one person in <see cref="TlsOnlyBaseDn"/>: <c>tess</c>, password <c>tess-password</c>.</summary>
    public const string TlsOnlyUser = "tess";

    /// <summary>slapd's access log (accesslog overlay): one entry per bind to <see cref="BaseDn"/>, failed ones too.</summary>
    private const string AccessLogDn = "cn=accesslog";

    private ServerProcess? _plainServer;
    private LdapConnection? _monitor;
    private readonly Lock _monitorLock = new();

    private ServerProcess? _server;
    private string _folder = "";

    public int Port { get; private set; }

    /// <summary>The port of <c>ldaps://</c> (TLS from the first byte), with a certificate from <see cref="TrustedCertificatesDirectory"/>'s CA.</summary>
    public int TlsPort { get; private set; }

    public string Url => $"ldap://127.0.0.1:{Port}";

    public string TlsUrl => $"ldaps://127.0.0.1:{TlsPort}";

    /// <summary>The test CA's certificate, in a folder named by subject hash (what <c>openssl rehash</c> makes).</summary>
    public string TrustedCertificatesDirectory => Path.Combine(_folder, "ca");

    public async Task InitializeAsync()
    {
        var slapd = ServerProcess.Find("/usr/sbin/slapd");
        _folder = Directory.CreateTempSubdirectory("ssogw-slapd-").FullName;
        Directory.CreateDirectory(Path.Combine(_folder, "data"));
        Directory.CreateDirectory(Path.Combine(_folder, "data-tls"));
        Directory.CreateDirectory(Path.Combine(_folder, "data-log"));
        await CreateCertificatesAsync();
        var config = Path.Combine(_folder, "slapd.conf");
        await File.WriteAllTextAsync(config, $$"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include /etc/ldap/schema/nis.schema
            pidfile {{_folder}}/slapd.pid
            modulepath /usr/lib/ldap
            moduleload back_mdb
            moduleload accesslog
            moduleload ppolicy

            database mdb
            maxsize 10485760
            suffix "{{AccessLogDn}}"
            rootdn "{{AccessLogDn}}"
            directory {{_folder}}/data-log
            access to * by dn.exact="{{AdminDn}}" read by * none

            database mdb
            maxsize 10485760
            suffix "{{BaseDn}}"
            rootdn "{{AdminDn}}"
            rootpw {{AdminPassword}}
            directory {{_folder}}/data
            TLSCACertificateFile {{_folder}}/ca/ca.pem
            TLSCertificateFile {{_folder}}/server.pem
            TLSCertificateKeyFile {{_folder}}/server.key
            access to attrs=userPassword by anonymous auth by self write by * none
            access to * by dn.exact="{{ReaderDn}}" read by self read by * none
            overlay accesslog
            logdb "{{AccessLogDn}}"
            logops bind
            overlay ppolicy

            database mdb
            maxsize 10485760
            suffix "{{TlsOnlyBaseDn}}"
            rootdn "{{TlsOnlyAdminDn}}"
            rootpw {{TlsOnlyAdminPassword}}
            directory {{_folder}}/data-tls
            security simple_bind=1

            database monitor
            access to * by dn.exact="{{AdminDn}}" read by * none
            """);
        // The TLS-only database is filled before slapd starts: over the wire, its own admin could not bind in clear.
        var tlsLdif = Path.Combine(_folder, "tls.ldif");
        await File.WriteAllTextAsync(tlsLdif, $"""
            dn: {TlsOnlyBaseDn}
            objectClass: dcObject
            objectClass: organization
            o: TLS only
            dc: tls

            dn: {TlsOnlyPeople}
            objectClass: organizationalUnit
            ou: people

            dn: uid={TlsOnlyUser},{TlsOnlyPeople}
            objectClass: inetOrgPerson
            uid: {TlsOnlyUser}
            cn: Tess
            sn: Tess
            mail: tess@example.com
            userPassword: tess-password

            """);
        await ServerProcess.RunAsync(ServerProcess.Find("/usr/sbin/slapadd"), ["-f", config, "-b", TlsOnlyBaseDn, "-l", tlsLdif]);
        _server = await ServerProcess.StartAndWaitAsync("slapd", () =>
        {
            Port = FreePort.Next();
            TlsPort = FreePort.Next();
            return ServerProcess.Start(slapd, ["-f", config, "-h", $"{Url}/ {TlsUrl}/", "-d", "0"]);
        }, AnswersAsync, TimeSpan.FromSeconds(30));
        await ModifyAsync("ldapadd", $"""
            dn: {BaseDn}
            objectClass: dcObject
            objectClass: organization
            o: Example
            dc: example

            dn: {ReaderDn}
            objectClass: simpleSecurityObject
            objectClass: organizationalRole
            cn: reader
            userPassword: {ReaderPassword}

            dn: {People}
            objectClass: organizationalUnit
            ou: people

            dn: {Groups}
            objectClass: organizationalUnit
            ou: groups

            """);
    }

    /// <summary>A test CA and a server certificate for 127.0.0.1 signed by it (openssl).</summary>
    private async Task CreateCertificatesAsync()
    {
        var openssl = ServerProcess.Find("/usr/bin/openssl");
        var ca = Directory.CreateDirectory(Path.Combine(_folder, "ca")).FullName;
        await ServerProcess.RunAsync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=SsoGateway test CA",
            "-keyout", Path.Combine(_folder, "ca.key"), "-out", Path.Combine(ca, "ca.pem")]);
        await ServerProcess.RunAsync(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", Path.Combine(_folder, "server.key"), "-out", Path.Combine(_folder, "server.csr")]);
        await File.WriteAllTextAsync(Path.Combine(_folder, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
        await ServerProcess.RunAsync(openssl, ["x509", "-req", "-in", Path.Combine(_folder, "server.csr"), "-CA", Path.Combine(ca, "ca.pem"),
            "-CAkey", Path.Combine(_folder, "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", Path.Combine(_folder, "san.ext"),
            "-out", Path.Combine(_folder, "server.pem")]);
        await ServerProcess.RunAsync(openssl, ["rehash", ca]);
    }

    /// <summary>Adds a person (inetOrgPerson) with a password, and makes them a member of <paramref name="groups"/>.</summary>
    public async Task AddPersonAsync(string uid, string password, string mail, string displayName, string[] groups, bool disabled = false)
    {
        var person = new StringBuilder()
            .AppendLine($"dn: uid={uid},{People}")
            .AppendLine("objectClass: inetOrgPerson")
            .AppendLine($"uid: {uid}").AppendLine($"cn: {displayName}").AppendLine($"sn: {displayName}")
            .AppendLine($"mail: {mail}").AppendLine($"displayName:: {Convert.ToBase64String(Encoding.UTF8.GetBytes(displayName))}")
            .AppendLine($"userPassword: {password}");
        if (disabled)
        {
            person.AppendLine("employeeType: disabled");
        }
        await ModifyAsync("ldapadd", person.ToString());
        foreach (var group in groups)
        {
            await AddToGroupAsync(uid, group);
        }
    }

    /// <summary>Adds a member to a group (groupOfNames), creating the group on first use.</summary>
    public async Task AddToGroupAsync(string uid, string group)
    {
        try
        {
            await ModifyAsync("ldapmodify", $"dn: cn={group},{Groups}\nchangetype: modify\nadd: member\nmember: uid={uid},{People}\n");
        }
        catch (InvalidOperationException)
        {
            // groupOfNames needs a member at all times: the service account holds the place of the last one removed.
            await ModifyAsync("ldapadd", $"dn: cn={group},{Groups}\nobjectClass: groupOfNames\ncn: {group}\nmember: {ReaderDn}\nmember: uid={uid},{People}\n");
        }
    }

    public Task RemoveFromGroupAsync(string uid, string group) =>
        ModifyAsync("ldapmodify", $"dn: cn={group},{Groups}\nchangetype: modify\ndelete: member\nmember: uid={uid},{People}\n");

    public Task DisableAsync(string uid) =>
        ModifyAsync("ldapmodify", $"dn: uid={uid},{People}\nchangetype: modify\nadd: employeeType\nemployeeType: disabled\n");

    public Task DeletePersonAsync(string uid) => ModifyAsync("ldapdelete", null, $"uid={uid},{People}");

    /// <summary>Sets a person's password as an administrator would (<c>ldappasswd</c>, the Password Modify operation).</summary>
    public Task SetPasswordAsync(string uid, string password) => ModifyAsync("ldappasswd", null, "-s", password, $"uid={uid},{People}");

    /// <summary>
    /// Binds slapd has started so far (<c>cn=Monitor</c>'s <c>monitorOpInitiated</c>: counted before the answer is sent,
    /// unlike <c>monitorOpCompleted</c>, which can lag behind the client), read over one connection bound once, so
    /// reading adds none.
    /// </summary>
    public Task<long> BindsAsync() => OperationsAsync("Bind");

    /// <summary>Searches slapd has started so far; each reading is one more search (the same for every reading).</summary>
    public Task<long> SearchesAsync() => OperationsAsync("Search");

    private async Task<long> OperationsAsync(string operation)
    {
        return await Task.Run(() =>
        {
            lock (_monitorLock)
            {
                if (_monitor is null)
                {
                    _monitor = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", Port), new NetworkCredential(AdminDn, AdminPassword), AuthType.Basic);
                    _monitor.SessionOptions.ProtocolVersion = 3;
                    _monitor.Bind();
                }
                var response = (SearchResponse)_monitor.SendRequest(new SearchRequest(
                    $"cn={operation},cn=Operations,cn=Monitor", "(objectClass=*)", SearchScope.Base, "monitorOpInitiated"));
                return long.Parse((string)response.Entries[0].Attributes["monitorOpInitiated"].GetValues(typeof(string))[0]);
            }
        });
    }

    /// <summary>Binds slapd logged (accesslog) to <paramref name="dn"/> so far, whatever their result.</summary>
    public async Task<int> BindsToAsync(string dn)
    {
        await BindsAsync(); // opens the administrator's connection
        return await Task.Run(() =>
        {
            lock (_monitorLock)
            {
                var response = (SearchResponse)_monitor!.SendRequest(new SearchRequest(
                    AccessLogDn, $"(&(objectClass=auditBind)(reqDN={dn}))", SearchScope.OneLevel, "1.1") { SizeLimit = 10_000 });
                return response.Entries.Count;
            }
        });
    }

    /// <summary>
    /// A second slapd, started on first use, with no TLS at all (so no StartTLS) and the same administrator, who can
    /// bind there in clear: a client that went on without TLS would be let in.
    /// </summary>
    public async Task<string> PlainServerUrlAsync()
    {
        if (_plainServer is null)
        {
            var folder = Path.Combine(_folder, "plain");
            Directory.CreateDirectory(Path.Combine(folder, "data"));
            var config = Path.Combine(folder, "slapd.conf");
            await File.WriteAllTextAsync(config, $$"""
                include /etc/ldap/schema/core.schema
                include /etc/ldap/schema/cosine.schema
                include /etc/ldap/schema/inetorgperson.schema
                pidfile {{folder}}/slapd.pid
                modulepath /usr/lib/ldap
                moduleload back_mdb
                database mdb
                maxsize 10485760
                suffix "{{BaseDn}}"
                rootdn "{{AdminDn}}"
                rootpw {{AdminPassword}}
                directory {{folder}}/data
                """);
            var port = 0;
            _plainServer = await ServerProcess.StartAndWaitAsync("slapd (no TLS)", () =>
            {
                port = FreePort.Next();
                return ServerProcess.Start(ServerProcess.Find("/usr/sbin/slapd"), ["-f", config, "-h", $"ldap://127.0.0.1:{port}/", "-d", "0"]);
            }, () => AnswersAsync($"ldap://127.0.0.1:{port}"), TimeSpan.FromSeconds(30));
            PlainUrl = $"ldap://127.0.0.1:{port}";
        }
        return PlainUrl!;
    }

    private string? PlainUrl { get; set; }

    /// <summary>Stops slapd (SIGSTOP): connections hang, as with a directory that does not answer.</summary>
    public void Freeze() => _server!.Signal("STOP");

    public void Thaw() => _server!.Signal("CONT");

    private Task ModifyAsync(string tool, string? ldif, params string[] extra) =>
        ServerProcess.RunAsync(ServerProcess.Find($"/usr/bin/{tool}"), ["-x", "-H", Url, "-D", AdminDn, "-w", AdminPassword, .. extra], input: ldif ?? "");

    private Task<bool> AnswersAsync() => AnswersAsync(Url);

    private static async Task<bool> AnswersAsync(string url)
    {
        try
        {
            await ServerProcess.RunAsync(ServerProcess.Find("/usr/bin/ldapwhoami"), ["-x", "-H", url, "-D", AdminDn, "-w", AdminPassword]);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public async Task DisposeAsync()
    {
        _monitor?.Dispose();
        if (_plainServer is not null)
        {
            await _plainServer.DisposeAsync();
        }
        await ServerProcess.StopAndRemoveAsync(_server, _folder);
    }
}

/// <summary>With a Redis of its own, for end-to-end tests of several gateway instances.</summary>
[CollectionDefinition(Name)]
public sealed class SlapdCollection : ICollectionFixture<SlapdServerFixture>, ICollectionFixture<RedisServerFixture>
{
    public const string Name = "slapd";
}
