using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Configuration that cannot work stops the real gateway process (SPEC §3): exit code 1, and one message naming the
/// key, without a stack trace and without a second, noisier report of the same failure.
/// </summary>
public sealed class StartupValidationTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-startup-").FullName;

    public StartupValidationTests() =>
        File.WriteAllText(Path.Combine(_contentRoot, "users.json"), TestUsers.FileContent([TestUsers.Alice]));

    /// <summary>Each case: how it changes a valid configuration, and the key its one message must name.</summary>
    private static readonly Dictionary<string, (string Key, Action<Dictionary<string, string?>> Change)> Cases = new()
    {
        ["RouteNamesUnknownPolicy"] = ("ReverseProxy:Routes:r1:AuthorizationPolicy", c => c["ReverseProxy:Routes:r1:AuthorizationPolicy"] = "auditors"),
        ["MalformedIdleTimeout"] = ("Sso:IdleTimeout", c => c["Sso:IdleTimeout"] = "banana"),
        ["MalformedAbsoluteTimeout"] = ("Sso:AbsoluteTimeout", c => c["Sso:AbsoluteTimeout"] = "12 hours"),
        ["NegativeIdleTimeout"] = ("Sso:IdleTimeout", c => c["Sso:IdleTimeout"] = "-00:05:00"),
        ["IdleLongerThanAbsolute"] = ("Sso:IdleTimeout", c => c["Sso:IdleTimeout"] = "13:00:00"),
        ["MissingUsersFile"] = ("Sso:UsersFile", c => c["Sso:UsersFile"] = "missing.json"),
        ["MalformedUsersFile"] = ("Sso:UsersFile", c => c["Sso:UsersFile"] = "malformed.json"),
        ["UsersFileWithPlainPassword"] = ("Sso:UsersFile", c => c["Sso:UsersFile"] = "plain.json"),
        ["CookieDomainNotParentOfRouteHost"] = ("ReverseProxy:Routes:r1:Match:Hosts:0", c => c["Sso:CookieDomain"] = ".example.org"),
        ["SameSiteNoneWithoutSecure"] = ("Sso:CookieSameSite", c => { c["Sso:CookieSameSite"] = "None"; c["Sso:CookieSecure"] = "false"; }),
        ["UnknownSameSiteMode"] = ("Sso:CookieSameSite", c => c["Sso:CookieSameSite"] = "Sometimes"),
        ["MalformedCookieSecure"] = ("Sso:CookieSecure", c => c["Sso:CookieSecure"] = "yes please"),
        ["EmptyReverseProxySection"] = ("ReverseProxy:Routes", c => RemoveAll(c, "ReverseProxy:")),
        ["RouteWithoutClusterId"] = ("ReverseProxy:Routes:r1:ClusterId", c => c.Remove("ReverseProxy:Routes:r1:ClusterId")),
        ["RouteWithUnknownCluster"] = ("ReverseProxy:Routes:r1:ClusterId", c => c["ReverseProxy:Routes:r1:ClusterId"] = "nowhere"),
        ["RouteWithoutMatch"] = ("ReverseProxy:Routes:r1:Match", c => RemoveAll(c, "ReverseProxy:Routes:r1:Match:")),
        ["RouteWithMalformedPath"] = ("ReverseProxy:Routes:r1:Match:Path", c => c["ReverseProxy:Routes:r1:Match:Path"] = "/app/{id"),
        ["DestinationNotAUrl"] = ("ReverseProxy:Clusters:c1:Destinations:d1:Address", c => c["ReverseProxy:Clusters:c1:Destinations:d1:Address"] = "backend:8080"),
        ["MalformedRedisString"] = ("Sso:Redis", c => c["Sso:Redis"] = "127.0.0.1:6379,flavour=strawberry"),
        ["PathPrefixWithoutSlash"] = ("Sso:PathPrefix", c => c["Sso:PathPrefix"] = "_sso"),
        ["PathPrefixEndingInSlash"] = ("Sso:PathPrefix", c => c["Sso:PathPrefix"] = "/_sso/"),
        ["PolicyWithNoMembers"] = ("Sso:Policies:empty", c => c["Sso:Policies:empty:Comment"] = "members to follow"),
        ["MalformedLockoutMaxFailures"] = ("Sso:Lockout:MaxFailures", c => c["Sso:Lockout:MaxFailures"] = "five"),
        ["LoginHostOutsideCookieDomain"] = ("Sso:LoginHost", c => c["Sso:LoginHost"] = "login.example.org"),
        ["ForwardAuthTrustsEveryone"] = ("Sso:ForwardAuth:TrustedProxies:0", c => c["Sso:ForwardAuth:TrustedProxies:0"] = "0.0.0.0/0"),
        ["ForwardAuthProxyNotAnAddress"] = ("Sso:ForwardAuth:TrustedProxies:0", c => c["Sso:ForwardAuth:TrustedProxies:0"] = "nginx.internal"),
        ["SessionCacheLongerThanIdle"] = ("Sso:SessionCacheDuration", c => c["Sso:SessionCacheDuration"] = "02:00:00"),
        ["TrustedProxyNetworkNotCidr"] = ("Sso:ForwardedHeaders:KnownNetworks:0", c => c["Sso:ForwardedHeaders:KnownNetworks:0"] = "10.0.0.5"),
        ["MalformedForwardLimit"] = ("Sso:ForwardedHeaders:ForwardLimit", c => c["Sso:ForwardedHeaders:ForwardLimit"] = "two"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task InvalidConfiguration_StopsStartup_WithOneMessageNamingTheKey(string caseName)
    {
        var (key, change) = Cases[caseName];
        var config = ValidConfiguration();
        change(config);

        await using var gateway = Start(Arguments(config));
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        var output = gateway.Errors + gateway.Output;
        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{output}");
        Assert.Single(Lines(output), line => line.Contains(key, StringComparison.Ordinal));
        Assert.Equal(["SsoGateway cannot start: the configuration is invalid."], Lines(gateway.Errors).Where(l => !l.StartsWith("  ", StringComparison.Ordinal)));
        Assert.Single(Lines(gateway.Errors), line => line.StartsWith("  ", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines(output), line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("Hosting failed to start", output);
    }

    [Fact]
    public async Task InvalidConfigurationFromEnvironmentVariables_StopsStartup_NamingTheKey()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_CONTENTROOT"] = _contentRoot,
            ["Sso__UsersFile"] = "users.json",
            ["Sso__AbsoluteTimeout"] = "00:30:00",
        };
        foreach (var (key, value) in ValidConfiguration().Where(kv => kv.Key.StartsWith("ReverseProxy:", StringComparison.Ordinal)))
        {
            environment[key.Replace(":", "__")] = value!;
        }

        await using var gateway = Start([], environment);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{gateway.Errors}{gateway.Output}");
        Assert.Contains("Sso:IdleTimeout: must not be longer than Sso:AbsoluteTimeout.", gateway.Errors);
    }

    /// <summary>The framework's switch, set the way earlier deployments set it, trusts every sender: refused, named.</summary>
    [Fact]
    public async Task FrameworkForwardedHeadersSwitch_InTheEnvironment_StopsStartup_NamingIt()
    {
        await using var gateway = GatewayProcess.Start(_contentRoot,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" },
            [.. Arguments(ValidConfiguration())]);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{gateway.Errors}{gateway.Output}");
        var message = Assert.Single(Lines(gateway.Errors), line => line.StartsWith("  ", StringComparison.Ordinal));
        Assert.StartsWith("  ForwardedHeaders_Enabled (ASPNETCORE_FORWARDEDHEADERS_ENABLED): trusts X-Forwarded-For", message);
    }

    [Fact]
    public async Task PortAlreadyInUse_StopsStartup_WithExitCodeOne_NamingTheListeningAddress()
    {
        using var occupant = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        await using var gateway = GatewayProcess.Start(_contentRoot, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            [$"--urls=http://127.0.0.1:{port}", .. Arguments(ValidConfiguration())]);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{gateway.Errors}{gateway.Output}");
        var message = Assert.Single(Lines(gateway.Errors), line => line.StartsWith("  ", StringComparison.Ordinal));
        Assert.Contains($"urls: Failed to bind to address http://127.0.0.1:{port}: address already in use.", message);
        Assert.DoesNotContain("Unhandled exception", gateway.Errors);
        Assert.DoesNotContain(Lines(gateway.Errors), line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OtherStartupFailure_ExitsWithSeventy_AndTheReason_InsteadOfCrashing()
    {
        // HTTPS without any certificate: Kestrel refuses to start, which no validator of ours anticipates.
        await using var gateway = GatewayProcess.Start(_contentRoot,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false" },
            ["--urls=https://127.0.0.1:0", .. Arguments(ValidConfiguration())]);
        var exitCode = await gateway.WaitForExitAsync(ExitTimeout);

        Assert.True(exitCode == 70, $"exit code {exitCode}, output:\n{gateway.Errors}{gateway.Output}");
        Assert.StartsWith("SsoGateway stopped on an unexpected error: System.InvalidOperationException: Unable to configure HTTPS endpoint.", gateway.Errors);
        Assert.DoesNotContain("Unhandled exception", gateway.Errors);
    }

    [Fact]
    public async Task ValidConfiguration_Starts_AndServesHealth()
    {
        await using var gateway = Start(Arguments(ValidConfiguration()));
        var port = await gateway.WaitUntilListeningAsync(ExitTimeout);

        using var http = new HttpClient();
        using var health = await http.GetAsync($"http://127.0.0.1:{port}/_sso/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("", gateway.Errors);
    }

    private Dictionary<string, string?> ValidConfiguration()
    {
        File.WriteAllText(Path.Combine(_contentRoot, "malformed.json"), "{ \"users\": [ { \"username\": \"alice\", ");
        File.WriteAllText(Path.Combine(_contentRoot, "plain.json"), "{ \"users\": [ { \"username\": \"alice\", \"passwordHash\": \"alice-password\" } ] }");
        return new()
        {
            ["contentRoot"] = _contentRoot,
            ["Sso:UsersFile"] = "users.json",
            ["Sso:CookieDomain"] = ".example.com",
            ["ReverseProxy:Routes:r1:ClusterId"] = "c1",
            ["ReverseProxy:Routes:r1:Match:Hosts:0"] = "app1.example.com",
            ["ReverseProxy:Routes:r1:Match:Path"] = "{**catch-all}",
            ["ReverseProxy:Clusters:c1:Destinations:d1:Address"] = "http://127.0.0.1:9/",
        };
    }

    /// <summary><c>dotnet Gateway.dll --urls http://127.0.0.1:0 …</c> with Production settings.</summary>
    private GatewayProcess Start(IEnumerable<string> args, Dictionary<string, string>? environment = null)
    {
        environment ??= [];
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return GatewayProcess.Start(_contentRoot, environment, ["--urls=http://127.0.0.1:0", .. args]);
    }

    private static IEnumerable<string> Arguments(Dictionary<string, string?> config) =>
        config.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}");

    private static void RemoveAll(Dictionary<string, string?> config, string prefix)
    {
        foreach (var key in config.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            config.Remove(key);
        }
    }

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
