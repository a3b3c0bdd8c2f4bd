using Microsoft.AspNetCore.Authorization;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// Endpoint metadata: requests to this endpoint may be answered from <see cref="AuthenticatedSessionCache"/>
/// (<see cref="AuthenticatedSessionMiddleware"/>). One instance per endpoint, which remembers what the endpoint's
/// authorization metadata asks for.
/// </summary>
internal sealed class AuthenticatedSessionEndpoint
{
    /// <summary>The name the framework's default policy (<c>[Authorize]</c> without a name) is remembered under.</summary>
    public const string DefaultPolicyName = "default";

    private EndpointAccess? _access;

    public EndpointAccess AccessOf(Endpoint endpoint, bool hasFallbackPolicy) =>
        _access ??= EndpointAccess.Of(endpoint.Metadata, hasFallbackPolicy);
}

/// <summary>
/// What an endpoint's authorization asks of a request, when the hot path can tell: nothing (<see cref="Policy"/>
/// null: public routes, forward-auth), or one named policy (YARP's <c>AuthorizationPolicy</c>). Anything else (roles,
/// schemes, several policies, policy objects, a fallback policy) is not <see cref="Answerable"/>: the framework decides.
/// </summary>
internal sealed record EndpointAccess(bool Answerable, string? Policy)
{
    /// <summary>True when <paramref name="session"/> may pass here: no policy is asked, or the session has passed it.</summary>
    public bool Admits(AuthenticatedSession session) => Policy is null || session.HasPassed(Policy);

    public static EndpointAccess Of(EndpointMetadataCollection metadata, bool hasFallbackPolicy)
    {
        if (metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return new EndpointAccess(true, null);
        }
        if (metadata.GetMetadata<AuthorizationPolicy>() is not null || metadata.GetMetadata<IAuthorizationRequirementData>() is not null)
        {
            return new EndpointAccess(false, null);
        }
        var authorize = metadata.GetOrderedMetadata<IAuthorizeData>();
        return authorize.Count switch
        {
            0 => new EndpointAccess(!hasFallbackPolicy, null),
            1 when authorize[0] is { Roles: null, AuthenticationSchemes: null } only =>
                new EndpointAccess(true, only.Policy ?? AuthenticatedSessionEndpoint.DefaultPolicyName),
            _ => new EndpointAccess(false, null),
        };
    }
}
