namespace Gateway.Hosting;

/// <summary>Configuration that cannot work; the message names the key. Stops startup without a stack trace.</summary>
internal sealed class GatewayConfigurationException(string message) : Exception(message);
