using System.Net;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.TrustedProxies;

/// <summary>Checks <c>Sso:ForwardedHeaders</c> at startup, naming the key of every error.</summary>
internal sealed class TrustedProxyOptionsValidator(IConfiguration configuration) : IValidateOptions<TrustedProxyOptions>
{
    /// <summary>ASP.NET Core's own switch (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>), which trusts every sender.</summary>
    public const string FrameworkSwitch = "ForwardedHeaders_Enabled";

    public const int MaxForwardLimit = 10;

    public ValidateOptionsResult Validate(string? name, TrustedProxyOptions options)
    {
        var errors = new List<string>();
        if (string.Equals(configuration[FrameworkSwitch], "true", StringComparison.OrdinalIgnoreCase))
        {
            // The framework would run its forwarded-headers middleware before ours with every known proxy cleared,
            // so any client could pick its address for the lockout and the logs. Refused rather than half-honoured.
            errors.Add($"{FrameworkSwitch} (ASPNETCORE_FORWARDEDHEADERS_ENABLED): trusts X-Forwarded-For and X-Forwarded-Proto " +
                $"from every sender. Remove it and name the proxies in {TrustedProxyOptions.SectionName}:KnownProxies or " +
                $"{TrustedProxyOptions.SectionName}:KnownNetworks instead.");
        }
        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            if (ParseAddress(options.KnownProxies[i]) is null)
            {
                errors.Add($"{TrustedProxyOptions.SectionName}:KnownProxies:{i}: '{options.KnownProxies[i]}' is not an IP address (e.g. 10.0.0.5 or fd00::5).");
            }
        }
        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            var key = $"{TrustedProxyOptions.SectionName}:KnownNetworks:{i}";
            switch (ParseNetwork(options.KnownNetworks[i]))
            {
                case null:
                    errors.Add($"{key}: '{options.KnownNetworks[i]}' is not a network in CIDR form with no host bits set (e.g. 10.244.0.0/16).");
                    break;
                case { PrefixLength: 0 }:
                    errors.Add($"{key}: '{options.KnownNetworks[i]}' is every address: any client could choose its own address. Name the proxies' network.");
                    break;
            }
        }
        if (options.ForwardLimit is < 1 or > MaxForwardLimit)
        {
            errors.Add($"{TrustedProxyOptions.SectionName}:ForwardLimit: must be between 1 and {MaxForwardLimit} (the number of proxies in a row).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static IPAddress? ParseAddress(string? text) => IpAddressText.ParseAddress(text);

    public static IPNetwork? ParseNetwork(string? text) => IpAddressText.ParseNetwork(text);
}
