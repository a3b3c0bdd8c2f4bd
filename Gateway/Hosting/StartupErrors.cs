using Gateway.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Turns startup failures caused by configuration into plain messages naming the key.</summary>
public static class StartupErrors
{
    private const string BinderFailure = "Failed to convert configuration value";

    /// <returns>The messages, or null when the exception is not a configuration error.</returns>
    public static IReadOnlyList<string>? Describe(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures.ToList(),
        GatewayConfigurationException or UserDirectoryException => [exception.Message],
        InvalidOperationException when exception.Message.StartsWith(BinderFailure, StringComparison.Ordinal) => [exception.Message],
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
}
