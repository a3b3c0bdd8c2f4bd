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

    [Fact]
    public async Task StartTls_OnLinux_StopsStartup_NamingTheKey_AndPointingAtLdaps()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:Ldap:Url"] = slapd.Url,
            ["Sso:Ldap:StartTls"] = "true",
            ["Sso:Ldap:BindDn"] = SlapdServerFixture.ReaderDn,
            ["Sso:Ldap:BindPassword"] = SlapdServerFixture.ReaderPassword,
            ["Sso:Ldap:UserSearchBase"] = SlapdServerFixture.People,
        }));

        Assert.Contains(Gateway.Hosting.StartupErrors.Describe(error)!, m => m.StartsWith("Sso:Ldap:StartTls:", StringComparison.Ordinal) && m.Contains("ldaps://"));
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
