using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary><c>Sso:AdminPolicy</c>, when set, must name an entry of <c>Sso:Policies</c> (never default or anonymous).</summary>
internal sealed class AdminOptionsValidator : IValidateOptions<SsoOptions>
{
    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        var policy = options.AdminPolicy;
        if (policy is null || options.Policies.ContainsKey(policy))
        {
            return ValidateOptionsResult.Success;
        }
        return ValidateOptionsResult.Fail(
            $"Sso:AdminPolicy: '{policy}' is not a policy under Sso:Policies (define one, e.g. Sso:Policies:admins:Groups:0=admin, or remove the key to turn the admin API off).");
    }
}
