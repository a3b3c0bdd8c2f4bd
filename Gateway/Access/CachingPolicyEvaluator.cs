using System.Runtime.CompilerServices;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Access;

/// <summary>
/// The framework's policy evaluator, remembering which policies a signed-in principal has passed. The gateway's
/// policies ask only about the principal (signed in; listed by name or in one of the groups), so the answer for one
/// principal instance never changes; <see cref="Cookies.SessionCookieHandler"/> hands every request of a session the
/// same instance until the session or the user directory changes, when a new principal is evaluated afresh.
/// Refusals and any policy with another kind of requirement always go to the framework.
/// </summary>
internal sealed class CachingPolicyEvaluator(IAuthorizationService authorization) : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Success = Task.FromResult(PolicyAuthorizationResult.Success());

    private const int MaxPoliciesPerPrincipal = 8;

    private readonly PolicyEvaluator _inner = new(authorization);
    private readonly ConditionalWeakTable<ClaimsPrincipal, AuthorizationPolicy[]> _passed = new();

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context) =>
        _inner.AuthenticateAsync(policy, context);

    public Task<PolicyAuthorizationResult> AuthorizeAsync(
        AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        var user = context.User;
        if (_passed.TryGetValue(user, out var passed) && Array.IndexOf(passed, policy) >= 0)
        {
            return Success;
        }
        return AuthorizeAndRememberAsync(policy, authenticationResult, context, resource, user);
    }

    private async Task<PolicyAuthorizationResult> AuthorizeAndRememberAsync(
        AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource, ClaimsPrincipal user)
    {
        var result = await _inner.AuthorizeAsync(policy, authenticationResult, context, resource);
        if (result.Succeeded && DependsOnPrincipalOnly(policy))
        {
            // Routes share a handful of policies; the bound only matters should policy instances ever not be reused.
            _passed.AddOrUpdate(user, _passed.TryGetValue(user, out var passed) && passed.Length < MaxPoliciesPerPrincipal
                ? [.. passed, policy]
                : [policy]);
        }
        return result;
    }

    private static bool DependsOnPrincipalOnly(AuthorizationPolicy policy) =>
        policy.AuthenticationSchemes.Count == 0
        && policy.Requirements.All(r => r is DenyAnonymousAuthorizationRequirement or MembershipRequirement);
}
