using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Metrics;

/// <summary>Checks <c>Sso:Metrics</c> at startup, naming the key of every error.</summary>
internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"{MetricsOptions.SectionName}:Port: {options.Port} is not a TCP port (1 to 65535; default {MetricsOptions.DefaultPort}).");
        }
        if (options.Address != MetricsOptions.AnyAddress && IpAddressText.ParseAddress(options.Address) is null)
        {
            errors.Add($"{MetricsOptions.SectionName}:Address: '{options.Address}' is not an IP address written out in full (e.g. 127.0.0.1 or ::1), nor '{MetricsOptions.AnyAddress}' for every interface.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
