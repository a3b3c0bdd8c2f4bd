using Gateway.Identity;
using Microsoft.AspNetCore.Authorization;

namespace Gateway.Access;

/// <summary>A named policy's rule: the user is listed by name, or belongs to one of the groups.</summary>
internal sealed class MembershipRequirement(IReadOnlyCollection<string> users, IReadOnlyCollection<string> groups)
    : AuthorizationHandler<MembershipRequirement>, IAuthorizationRequirement
{
    private readonly HashSet<string> _users = new(users.Select(UserNames.Normalize), StringComparer.Ordinal);
    private readonly HashSet<string> _groups = new(groups, StringComparer.Ordinal);

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MembershipRequirement requirement)
    {
        var user = context.User;
        if (user.Identity is { IsAuthenticated: true, Name: { } name }
            && (requirement._users.Contains(UserNames.Normalize(name)) || user.FindAll(GatewayClaimTypes.Group).Any(g => requirement._groups.Contains(g.Value))))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
