using Gateway.Configuration;
using Microsoft.AspNetCore.Authorization;

namespace Gateway.Access;

internal static class AccessExtensions
{
    /// <summary>Policy names a route may use besides those of <c>Sso:Policies</c> (YARP's own, case-insensitive).</summary>
    public static readonly string[] BuiltInPolicies = ["default", "anonymous"];

    /// <summary>Registers every <c>Sso:Policies</c> entry as an authorization policy of the same name.</summary>
    public static IServiceCollection AddAccess(this IServiceCollection services, SsoOptions sso)
    {
        services.AddAuthorization(authorization =>
        {
            foreach (var (name, policy) in sso.Policies)
            {
                var requirement = new MembershipRequirement(policy.Users, policy.Groups);
                authorization.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(requirement));
            }
        });
        // Each requirement is its own handler (it holds the lists), so the framework's PassThroughAuthorizationHandler runs it.
        return services;
    }
}
