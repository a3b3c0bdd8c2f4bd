using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// <c>Sso:OpenIdConnect:{name}</c> errors stop the real gateway process (Production) with exit code 1 and one message
/// naming the key; a valid provider that is down at that moment does not stop it.
/// </summary>
public sealed class ProviderStartupValidationTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private const string Kc = "Sso:OpenIdConnect:kc";

    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-oidc-startup-").FullName;

    public ProviderStartupValidationTests() =>
        File.WriteAllText(Path.Combine(_contentRoot, "users.json"), TestUsers.FileContent([TestUsers.Alice]));

    private static readonly Dictionary<string, (string Key, Action<Dictionary<string, string?>> Change)> Cases = new()
    {
        ["MissingClientId"] = ($"{Kc}:ClientId", c => c.Remove($"{Kc}:ClientId")),
        ["MissingAuthority"] = ($"{Kc}:Authority", c => c.Remove($"{Kc}:Authority")),
        ["AuthorityNotAUrl"] = ($"{Kc}:Authority", c => c[$"{Kc}:Authority"] = "login.example.com/realms/main"),
        ["AuthorityWithQuery"] = ($"{Kc}:Authority", c => c[$"{Kc}:Authority"] = "https://login.example.com/?tenant=x"),
        ["HttpAuthorityOutsideLoopback"] = ($"{Kc}:Authority", c => c[$"{Kc}:Authority"] = "http://login.example.com/realms/main"),
        ["NameNotUrlSafe"] = ("Sso:OpenIdConnect:key cloak", c => Rename(c, "key cloak")),
        ["NameWithSlash"] = ("Sso:OpenIdConnect:a%2Fb", c => Rename(c, "a%2Fb")),
        ["ScopesWithoutOpenId"] = ($"{Kc}:Scopes", c => c[$"{Kc}:Scopes"] = "profile email"),
        ["EmptyGroupsClaim"] = ($"{Kc}:GroupsClaim", c => c[$"{Kc}:GroupsClaim"] = " "),
        ["TwoProvidersShownUnderOneName"] = ("Sso:OpenIdConnect:kc2:DisplayName", c =>
        {
            c[$"{Kc}:DisplayName"] = "Company login";
            c["Sso:OpenIdConnect:kc2:Authority"] = "https://login2.example.com";
            c["Sso:OpenIdConnect:kc2:ClientId"] = "gateway";
            c["Sso:OpenIdConnect:kc2:DisplayName"] = "company LOGIN";
        }),
        ["NoUsersFileAndNoProvider"] = ("Sso:UsersFile", c =>
        {
            c["Sso:UsersFile"] = "";
            foreach (var key in c.Keys.Where(k => k.StartsWith("Sso:OpenIdConnect:", StringComparison.Ordinal)).ToList())
            {
                c.Remove(key);
            }
        }),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task InvalidProviderConfiguration_StopsStartup_WithOneMessageNamingTheKey(string caseName)
    {
        var (key, change) = Cases[caseName];
        var config = ValidConfiguration();
        change(config);

        await using var gateway = Start(config);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        var output = gateway.Errors + gateway.Output;
        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{output}");
        Assert.Single(Lines(gateway.Errors), line => line.StartsWith("  ", StringComparison.Ordinal));
        Assert.Single(Lines(output), line => line.Contains(key + ":", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", output);
    }

    [Fact]
    public async Task TwoProvidersWithOneName_InDifferentLetterCase_StopStartup()
    {
        // The file/arguments say "kc", an environment variable "KC": configuration would merge them into one provider.
        await using var gateway = GatewayProcess.Start(_contentRoot,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["Sso__OpenIdConnect__KC__ClientSecret"] = "other-secret" },
            ["--urls=http://127.0.0.1:0", .. ValidConfiguration().Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")]);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{gateway.Errors}{gateway.Output}");
        var message = Assert.Single(Lines(gateway.Errors), line => line.StartsWith("  ", StringComparison.Ordinal));
        Assert.StartsWith("  Sso:OpenIdConnect:kc: two providers with one name ('KC', 'kc'", message);
    }

    [Fact]
    public async Task ValidProvider_ThatIsDown_StartsAnyway_WithoutUsersFileToo()
    {
        var config = ValidConfiguration();
        config["Sso:UsersFile"] = "";

        await using var gateway = Start(config);
        var port = await gateway.WaitUntilListeningAsync(ExitTimeout);

        using var http = new HttpClient();
        using var health = await http.GetAsync($"http://127.0.0.1:{port}/_sso/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("", gateway.Errors);
    }

    private Dictionary<string, string?> ValidConfiguration() => new()
    {
        ["contentRoot"] = _contentRoot,
        ["Sso:UsersFile"] = "users.json",
        ["Sso:CookieDomain"] = ".example.com",
        // Nothing listens there: the provider is down, which must not stop startup.
        [$"{Kc}:Authority"] = $"https://127.0.0.1:{FreePort.Closed}/realms/main",
        [$"{Kc}:ClientId"] = "gateway",
        [$"{Kc}:ClientSecret"] = "secret",
        ["ReverseProxy:Routes:r1:ClusterId"] = "c1",
        ["ReverseProxy:Routes:r1:Match:Hosts:0"] = "app1.example.com",
        ["ReverseProxy:Routes:r1:Match:Path"] = "{**catch-all}",
        ["ReverseProxy:Clusters:c1:Destinations:d1:Address"] = "http://127.0.0.1:9/",
    };

    private static void Rename(Dictionary<string, string?> config, string name)
    {
        foreach (var key in config.Keys.Where(k => k.StartsWith(Kc + ":", StringComparison.Ordinal)).ToList())
        {
            config[$"Sso:OpenIdConnect:{name}" + key[Kc.Length..]] = config[key];
            config.Remove(key);
        }
    }

    private GatewayProcess Start(Dictionary<string, string?> config) =>
        GatewayProcess.Start(_contentRoot, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            ["--urls=http://127.0.0.1:0", .. config.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")]);

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
