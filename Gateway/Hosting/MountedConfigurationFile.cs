using Microsoft.Extensions.Configuration.Json;

namespace Gateway.Hosting;

/// <summary>
/// The deployment's own settings file, <c>config/gateway.json</c> under the content root (<c>/app/config</c> in the
/// container, the folder operators mount). Optional and reloaded on change like <c>appsettings.json</c>, and ranked
/// just after <c>appsettings.{Environment}.json</c>: environment variables and command-line arguments still override it.
/// </summary>
internal static class MountedConfigurationFile
{
    public const string Path = "config/gateway.json";

    public static ConfigurationManager AddMountedConfigurationFile(this ConfigurationManager configuration)
    {
        var sources = configuration.Sources;
        var afterAppSettings = 0;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } path } && path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                afterAppSettings = i + 1;
            }
        }
        var reload = configuration.GetValue("hostBuilder:reloadConfigOnChange", defaultValue: true);
        try
        {
            sources.Insert(afterAppSettings, new JsonConfigurationSource { Path = Path, Optional = true, ReloadOnChange = reload });
        }
        catch (InvalidDataException ex)
        {
            throw new GatewayConfigurationException($"{Path}: not a valid JSON settings file: {ex.InnerException?.Message ?? ex.Message}");
        }
        return configuration;
    }
}
