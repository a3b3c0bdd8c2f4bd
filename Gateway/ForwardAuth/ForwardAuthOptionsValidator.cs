using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.ForwardAuth;

/// <summary>Checks <c>Sso:ForwardAuth</c> at startup, naming the key of every error.</summary>
internal sealed class ForwardAuthOptionsValidator : IValidateOptions<ForwardAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardAuthOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < (options.TrustedProxies?.Count ?? 0); i++)
        {
            var text = options.TrustedProxies![i];
            var key = $"{ForwardAuthOptions.SectionName}:TrustedProxies:{i}";
            switch (TrustedProxyNetworks.Parse(text))
            {
                case null:
                    errors.Add($"{key}: '{text}' is not an IP address or a network in CIDR form with no host bits set (e.g. 10.0.0.5 or 10.0.0.0/24).");
                    break;
                case { PrefixLength: 0 }:
                    errors.Add($"{key}: '{text}' is every address: any client could say which URL it asked for. Name the proxies' network.");
                    break;
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
