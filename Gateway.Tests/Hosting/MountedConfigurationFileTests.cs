using Gateway.Hosting;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Tests.Hosting;

/// <summary><c>config/gateway.json</c>: the settings file operators mount beside <c>config/users.json</c>.</summary>
public sealed class MountedConfigurationFileTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-mounted-").FullName;

    [Fact]
    public void GatewayJson_OverridesAppSettings_AndCommandLineOverridesIt()
    {
        File.WriteAllText(Path.Combine(_contentRoot, "appsettings.json"),
            """{ "Sso": { "CookieName": "from_appsettings", "CookieDomain": ".from-appsettings.test", "PathPrefix": "/from-appsettings" } }""");
        WriteGatewayJson("""{ "Sso": { "CookieName": "from_file", "CookieDomain": ".from-file.test" } }""");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = _contentRoot,
            EnvironmentName = "Production",
            Args = ["--Sso:CookieName=from_args"],
        });

        builder.Configuration.AddMountedConfigurationFile();

        Assert.Equal("from_args", builder.Configuration["Sso:CookieName"]);
        Assert.Equal(".from-file.test", builder.Configuration["Sso:CookieDomain"]);
        Assert.Equal("/from-appsettings", builder.Configuration["Sso:PathPrefix"]);
    }

    [Fact]
    public void GatewayJson_Malformed_StopsStartupNamingTheFile()
    {
        WriteGatewayJson("""{ "Sso": { "CookieName": "broken", } """);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _contentRoot, EnvironmentName = "Production" });

        var error = Assert.ThrowsAny<Exception>(() => builder.AddSsoGateway());

        var message = Assert.Single(StartupErrors.Describe(error) ?? []);
        Assert.StartsWith("config/gateway.json: not a valid JSON settings file", message);
    }

    /// <summary>What a container started without its <c>/app/config</c> mount prints: the keys, no stack trace.</summary>
    [Fact]
    public async Task GatewayDll_WithoutMountedConfig_ExitsOneNamingTheMissingKeys()
    {
        await using var process = GatewayProcess.Start(_contentRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_HTTP_PORTS"] = FreePort.Next().ToString(),
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var errors = process.Errors;
        Assert.True(exitCode == 1, $"exit {exitCode}: {process.Output}{errors}");
        Assert.StartsWith("SsoGateway cannot start: the configuration is invalid.", errors);
        Assert.Contains("Sso:UsersFile:", errors);
        Assert.Contains("ReverseProxy:Routes:", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    private void WriteGatewayJson(string json)
    {
        Directory.CreateDirectory(Path.Combine(_contentRoot, "config"));
        File.WriteAllText(Path.Combine(_contentRoot, "config", "gateway.json"), json);
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
