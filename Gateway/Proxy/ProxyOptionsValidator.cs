using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy;

/// <summary>
/// Checks the routes of the <c>ReverseProxy</c> section once at startup, before YARP loads it, so that the operator
/// gets every error at once, each naming its key, rather than YARP's exception (SPEC §3).
/// </summary>
internal sealed class ProxyOptionsValidator(IConfiguration configuration) : IValidateOptions<SsoOptions>
{
    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        var errors = new List<string>();
        RouteRules.Check(configuration.GetSection(ProxyExtensions.SectionName), options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
