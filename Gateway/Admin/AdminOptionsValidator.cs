using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Admin;

/// <summary>
/// <c>Sso:AdminPolicy</c>, when set, must name an entry of <c>Sso:Policies</c> (never default or anonymous), and the
/// admin API must live on a host of its own: on a module's host, script running in that module (an XSS in the blog)
/// is same-origin with the API and could use an admin's session. So outside Development it needs
/// <c>Sso:LoginHost</c>, and no route may serve the login host.
/// </summary>
internal sealed class AdminOptionsValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<SsoOptions>
{
    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        var policy = options.AdminPolicy;
        if (policy is null)
        {
            return ValidateOptionsResult.Success;
        }
        var errors = new List<string>();
        if (!options.Policies.ContainsKey(policy))
        {
            errors.Add($"Sso:AdminPolicy: '{policy}' is not a policy under Sso:Policies (define one, e.g. Sso:Policies:admins:Groups:0=admin, or remove the key to turn the admin API off).");
        }
        if (string.IsNullOrWhiteSpace(options.LoginHost))
        {
            if (!environment.IsDevelopment())
            {
                errors.Add("Sso:AdminPolicy: the admin API needs Sso:LoginHost, a host that serves no module (e.g. sso.example.com); on a module's host, script in that module could use an admin's session.");
            }
        }
        else
        {
            var loginHost = AdminHost.Name(options.LoginHost);
            foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
            {
                foreach (var host in route.GetSection("Match:Hosts").GetChildren())
                {
                    if (host.Value is { } pattern && AdminHost.Matches(pattern, loginHost))
                    {
                        errors.Add($"ReverseProxy:Routes:{route.Key}:Match:Hosts: '{pattern}' serves the login host '{loginHost}', where the admin API (Sso:AdminPolicy) lives; give the gateway a host of its own.");
                    }
                }
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
