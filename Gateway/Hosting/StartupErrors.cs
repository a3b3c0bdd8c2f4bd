using System.Text.RegularExpressions;
using Gateway.Identity;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Turns startup failures caused by configuration into plain messages naming the key.</summary>
public static partial class StartupErrors
{
    // YARP's own validation (ProxyConfigManager) of what our validator does not check, e.g. a header match.
    private const string ProxyConfigFailure = "Unable to load or apply the proxy configuration.";

    /// <returns>The messages, or null when the exception is not a configuration error.</returns>
    public static IReadOnlyList<string>? Describe(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures.ToList(),
        GatewayConfigurationException or UserDirectoryException or Metrics.MetricsListenerException => [exception.Message],
        IOException { InnerException: AddressInUseException } =>
            [$"urls: {exception.Message} Give the gateway a free port (--urls, ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS)."],
        InvalidOperationException when BinderFailure().Match(exception.Message) is { Success: true } match =>
            [$"{match.Groups["key"].Value}: '{match.Groups["value"].Value}' is not {Expected(match.Groups["type"].Value)}."],
        InvalidOperationException { InnerException: AggregateException proxy } when exception.Message == ProxyConfigFailure =>
            proxy.InnerExceptions.Select(e => $"{Proxy.ProxyExtensions.SectionName}: {e.Message}").ToList(),
        AggregateException aggregate => aggregate.InnerExceptions.Select(Describe).Where(m => m is not null).SelectMany(m => m!).ToList() is { Count: > 0 } all ? all : null,
        _ when exception.InnerException is not null => Describe(exception.InnerException),
        _ => null,
    };

    public static async Task PrintAsync(IReadOnlyList<string> messages)
    {
        await Console.Error.WriteLineAsync("SsoGateway cannot start: the configuration is invalid.");
        foreach (var message in messages)
        {
            await Console.Error.WriteLineAsync("  " + message);
        }
    }

    private static string Expected(string type) => type switch
    {
        "System.TimeSpan" => "a duration (hh:mm:ss, e.g. 01:00:00)",
        "System.Int32" => "a whole number",
        "System.Boolean" => "true or false",
        "Microsoft.AspNetCore.Http.SameSiteMode" => "Lax, Strict or None",
        _ => "a valid " + type[(type.LastIndexOf('.') + 1)..],
    };

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'\.", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();
}
