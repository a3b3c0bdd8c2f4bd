using Gateway.Identity;
using Gateway.Identity.Ldap;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Identity.Ldap;

/// <summary>LDAP over TLS (ldaps:// and StartTLS) against slapd with a certificate from a private CA.</summary>
[Collection(SlapdCollection.Name)]
public sealed class LdapTlsTests(SlapdServerFixture slapd) : IAsyncLifetime
{
    private readonly string _uid = "tina" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => slapd.AddPersonAsync(_uid, "tina-password", "tina@example.com", "Tina", ["staff"]);

    public Task DisposeAsync() => Task.CompletedTask;

    private LdapAccountDirectory Directory(string url, bool startTls, string? trusted) => new(new LdapDirectoryOptions
    {
        Url = url,
        StartTls = startTls,
        TrustedCertificatesDirectory = trusted,
        BindDn = SlapdServerFixture.ReaderDn,
        BindPassword = SlapdServerFixture.ReaderPassword,
        UserSearchBase = SlapdServerFixture.People,
        GroupSearchBase = SlapdServerFixture.Groups,
        Timeout = TimeSpan.FromSeconds(5),
    }, NullLogger<LdapAccountDirectory>.Instance);

    [Fact]
    public async Task Ldaps_WithThePrivateCaTrusted_SignsIn()
    {
        var check = await Directory(slapd.TlsUrl, startTls: false, slapd.TrustedCertificatesDirectory)
            .CheckPasswordAsync(_uid, "tina-password", checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.Succeeded, check.Outcome);
    }

    /// <summary>The TLS-only database's person, found and checked by its own administrator as the service account.</summary>
    private static LdapAccountDirectory TlsOnlyDirectory(string url, bool startTls, string? trusted) => new(new LdapDirectoryOptions
    {
        Url = url,
        StartTls = startTls,
        TrustedCertificatesDirectory = trusted,
        BindDn = SlapdServerFixture.TlsOnlyAdminDn,
        BindPassword = SlapdServerFixture.TlsOnlyAdminPassword,
        UserSearchBase = SlapdServerFixture.TlsOnlyPeople,
        Timeout = TimeSpan.FromSeconds(5),
    }, NullLogger<LdapAccountDirectory>.Instance);

    [Fact]
    public async Task StartTls_WithThePrivateCaTrusted_SignsIn_AndEveryBindWentOverTls()
    {
        // slapd refuses simple binds to this database without TLS, so both binds (service account, then the person)
        // succeeding means StartTLS was up before either was sent.
        var check = await TlsOnlyDirectory(slapd.Url, startTls: true, slapd.TrustedCertificatesDirectory)
            .CheckPasswordAsync(SlapdServerFixture.TlsOnlyUser, "tess-password", checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.Succeeded, check.Outcome);
        Assert.Equal("tess@example.com", check.Account!.Email);
    }

    [Fact]
    public async Task WithoutStartTls_TheTlsOnlyDatabaseRefusesTheBind_SoTheTestAboveCanFail()
    {
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => TlsOnlyDirectory(slapd.Url, startTls: false, slapd.TrustedCertificatesDirectory)
            .CheckPasswordAsync(SlapdServerFixture.TlsOnlyUser, "tess-password", checkUnknown: true, default));
    }

    public static TheoryData<string, bool> UntrustedCertificates => new()
    {
        { "127.0.0.1", false }, // the system's trust store, which does not hold the test CA
        { "localhost", true },  // the CA trusted, but the certificate names 127.0.0.1 only
    };

    /// <summary>
    /// The certificate is refused before anything is sent, and the gateway never goes on in clear: the person is in
    /// the database that takes clear binds, so a bind after a failed StartTLS would have signed them in.
    /// </summary>
    [Theory]
    [MemberData(nameof(UntrustedCertificates))]
    public async Task StartTls_UntrustedOrMismatchedCertificate_IsUnavailable_NeverAClearBind(string host, bool trustCa)
    {
        var directory = Directory($"ldap://{host}:{slapd.Port}", startTls: true, trustCa ? slapd.TrustedCertificatesDirectory : null);
        var bindsBefore = await slapd.BindsAsync();

        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.CheckPasswordAsync(_uid, "tina-password", checkUnknown: true, default));

        // Only the anonymous bind that opens the connection (no name, no password) reached slapd.
        Assert.Equal(1, await slapd.BindsAsync() - bindsBefore);
    }

    [Fact]
    public async Task StartTls_ServerWithoutStartTls_IsUnavailable_NeverAClearBind()
    {
        // That server would take its administrator's bind in clear: going on without TLS would answer, not throw.
        var directory = new LdapAccountDirectory(new LdapDirectoryOptions
        {
            Url = await slapd.PlainServerUrlAsync(),
            StartTls = true,
            BindDn = SlapdServerFixture.AdminDn,
            BindPassword = SlapdServerFixture.AdminPassword,
            UserSearchBase = SlapdServerFixture.BaseDn,
            Timeout = TimeSpan.FromSeconds(5),
        }, NullLogger<LdapAccountDirectory>.Instance);

        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.CheckPasswordAsync("anyone", "password", checkUnknown: true, default));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.FindAsync("anyone", default));
    }

    [Fact]
    public async Task StartTlsSignIn_ThroughTheGateway_Works_AndAnUntrustedCertificateIs503()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sso:Ldap:Url"] = slapd.Url,
            ["Sso:Ldap:StartTls"] = "true",
            ["Sso:Ldap:TrustedCertificatesDirectory"] = slapd.TrustedCertificatesDirectory,
            ["Sso:Ldap:BindDn"] = SlapdServerFixture.TlsOnlyAdminDn,
            ["Sso:Ldap:BindPassword"] = SlapdServerFixture.TlsOnlyAdminPassword,
            ["Sso:Ldap:UserSearchBase"] = SlapdServerFixture.TlsOnlyPeople,
        };
        await using (var gateway = await GatewayHost.StartAsync(settings))
        {
            using var client = gateway.CreateClient();
            using var signIn = await client.SignInAsync(GatewayHost.App1, SlapdServerFixture.TlsOnlyUser, "tess-password");
            Assert.Equal(System.Net.HttpStatusCode.Found, signIn.StatusCode);
            Assert.Equal(SlapdServerFixture.TlsOnlyUser, (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
        }

        // The same directory, the CA no longer trusted; the person now in the database that takes clear binds.
        settings.Remove("Sso:Ldap:TrustedCertificatesDirectory");
        settings["Sso:Ldap:BindDn"] = SlapdServerFixture.ReaderDn;
        settings["Sso:Ldap:BindPassword"] = SlapdServerFixture.ReaderPassword;
        settings["Sso:Ldap:UserSearchBase"] = SlapdServerFixture.People;
        await using (var gateway = await GatewayHost.StartAsync(settings))
        {
            using var client = gateway.CreateClient();
            using var signIn = await client.SignInAsync(GatewayHost.App1, _uid, "tina-password");
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
            Assert.Contains("account directory cannot be reached", await signIn.Content.ReadAsStringAsync());
            Assert.Null(client.SessionCookie());
        }
    }

    [Fact]
    public async Task LdapsSignIn_ThroughTheGateway_EndToEnd()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:Ldap:Url"] = slapd.TlsUrl,
            ["Sso:Ldap:TrustedCertificatesDirectory"] = slapd.TrustedCertificatesDirectory,
            ["Sso:Ldap:BindDn"] = SlapdServerFixture.ReaderDn,
            ["Sso:Ldap:BindPasswordFile"] = await PasswordFileAsync(),
            ["Sso:Ldap:UserSearchBase"] = SlapdServerFixture.People,
            ["Sso:Ldap:GroupSearchBase"] = SlapdServerFixture.Groups,
        });
        using var client = gateway.CreateClient();

        using var signIn = await client.SignInAsync(GatewayHost.App1, _uid, "tina-password");

        Assert.Equal(System.Net.HttpStatusCode.Found, signIn.StatusCode);
        Assert.Equal(_uid, (await client.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
    }

    private static async Task<string> PasswordFileAsync()
    {
        var file = Path.Combine(System.IO.Directory.CreateTempSubdirectory("ssogw-ldap-secret-").FullName, "bind-password");
        await File.WriteAllTextAsync(file, SlapdServerFixture.ReaderPassword + "\n");
        return file;
    }

    [Fact]
    public async Task Ldaps_WithoutTrustingTheCa_IsRefused_TheCertificateIsVerified()
    {
        var directory = Directory(slapd.TlsUrl, startTls: false, trusted: null);

        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.CheckPasswordAsync(_uid, "tina-password", checkUnknown: true, default));
    }
}
