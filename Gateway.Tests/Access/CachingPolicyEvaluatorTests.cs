using System.Security.Claims;
using Gateway.Access;
using Gateway.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Access;

/// <summary>
/// Successes of principal-only policies are remembered per principal instance; everything else is asked of the
/// framework's authorization service (the real one here, counted) every time.
/// </summary>
public sealed class CachingPolicyEvaluatorTests
{
    private readonly CountingAuthorization _authorization = new(
        new ServiceCollection().AddLogging().AddAuthorization().BuildServiceProvider().GetRequiredService<IAuthorizationService>());

    private static readonly AuthorizationPolicy Admins = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser().AddRequirements(new MembershipRequirement([], ["admin"])).Build();

    private static ClaimsPrincipal User(string name, params string[] groups) => UserPrincipal.Create(name, "", "", groups, null);

    private static async Task<bool> AuthorizeAsync(CachingPolicyEvaluator evaluator, AuthorizationPolicy policy, ClaimsPrincipal user)
    {
        var context = new DefaultHttpContext { User = user };
        var authenticated = AuthenticateResult.Success(new AuthenticationTicket(user, "Cookies"));
        return (await evaluator.AuthorizeAsync(policy, authenticated, context, context)).Succeeded;
    }

    [Fact]
    public async Task PassedPrincipalOnlyPolicy_IsEvaluatedOncePerPrincipal()
    {
        var evaluator = new CachingPolicyEvaluator(_authorization);
        var alice = User("alice", "admin");

        Assert.True(await AuthorizeAsync(evaluator, Admins, alice));
        Assert.True(await AuthorizeAsync(evaluator, Admins, alice));
        Assert.True(await AuthorizeAsync(evaluator, Admins, alice));
        Assert.Equal(1, _authorization.Calls);

        Assert.True(await AuthorizeAsync(evaluator, Admins, User("alice", "admin")));
        Assert.Equal(2, _authorization.Calls);
    }

    [Fact]
    public async Task Refusal_IsNeverRemembered()
    {
        var evaluator = new CachingPolicyEvaluator(_authorization);
        var bob = User("bob", "staff");

        Assert.False(await AuthorizeAsync(evaluator, Admins, bob));
        Assert.False(await AuthorizeAsync(evaluator, Admins, bob));
        Assert.Equal(2, _authorization.Calls);
    }

    [Fact]
    public async Task PolicyThatCouldDependOnTheRequest_IsEvaluatedEveryTime()
    {
        var evaluator = new CachingPolicyEvaluator(_authorization);
        var byRequest = new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build();
        var alice = User("alice", "admin");

        Assert.True(await AuthorizeAsync(evaluator, byRequest, alice));
        Assert.True(await AuthorizeAsync(evaluator, byRequest, alice));
        Assert.Equal(2, _authorization.Calls);
    }

    private sealed class CountingAuthorization(IAuthorizationService inner) : IAuthorizationService
    {
        public int Calls;

        public Task<AuthorizationResult> AuthorizeAsync(ClaimsPrincipal user, object? resource, IEnumerable<IAuthorizationRequirement> requirements)
        {
            Interlocked.Increment(ref Calls);
            return inner.AuthorizeAsync(user, resource, requirements);
        }

        public Task<AuthorizationResult> AuthorizeAsync(ClaimsPrincipal user, object? resource, string policyName)
        {
            Interlocked.Increment(ref Calls);
            return inner.AuthorizeAsync(user, resource, policyName);
        }
    }
}
