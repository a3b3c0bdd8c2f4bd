using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Sessions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// Which requests the hot path answers and which go to the framework's authentication and authorization, with a
/// stand-in for the framework that counts its calls and admits (or refuses) like the real one.
/// </summary>
public sealed class AuthenticatedSessionMiddlewareTests : IDisposable
{
    private readonly SessionsForTests _sessions = new();
    private int _frameworkCalls;
    private int _nextCalls;
    private bool _frameworkAdmits = true;
    private readonly AuthenticatedSessionMiddleware _middleware;

    public AuthenticatedSessionMiddlewareTests()
    {
        var policies = new DefaultAuthorizationPolicyProvider(Options.Create(new AuthorizationOptions()));
        _middleware = new AuthenticatedSessionMiddleware(
            _ =>
            {
                _nextCalls++;
                return Task.CompletedTask;
            },
            admitted => context =>
            {
                // The framework: the cookie handler reads the session (noting it as the ticket store does), and
                // authorization admits or refuses.
                _frameworkCalls++;
                if (Signed.TryGetValue(context.Request.Headers.Cookie.ToString(), out var signedIn))
                {
                    context.User = SessionsForTests.PrincipalOf(signedIn.Record, signedIn.Key);
                    context.Features.Set(new SessionTicketStore.RetrievedSession(signedIn.Key, signedIn.Record));
                }
                return _frameworkAdmits ? admitted(context) : Task.CompletedTask;
            },
            _sessions.Cache, _sessions.Directory, policies, "sso_session", "/_sso");
    }

    private Dictionary<string, (SessionKey Key, SessionRecord Record)> Signed { get; } = new();

    private static string[] Claims(System.Security.Claims.ClaimsPrincipal user) =>
        [user.Identity!.AuthenticationType!, .. user.Claims.Select(c => $"{c.Type}={c.Value}")];

    private static Endpoint Proxied(params object[] metadata) =>
        new(_ => Task.CompletedTask, new EndpointMetadataCollection([new AuthenticatedSessionEndpoint(), .. metadata]), "route");

    private async Task<string> SignInAsync()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        Signed["sso_session=" + cookie] = (key, record);
        return "sso_session=" + cookie;
    }

    private async Task<DefaultHttpContext> SendAsync(Endpoint endpoint, string? cookie, string path = "/")
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = cookie;
        }
        context.SetEndpoint(endpoint);
        await _middleware.InvokeAsync(context);
        return context;
    }

    [Fact]
    public async Task SecondRequestOfASession_IsAnsweredWithoutTheFramework_WithItsPrincipalAndSession()
    {
        var cookie = await SignInAsync();
        var route = Proxied(new AuthorizeAttribute());

        var first = await SendAsync(route, cookie);
        var second = await SendAsync(route, cookie);

        Assert.Equal((1, 2), (_frameworkCalls, _nextCalls));
        Assert.Equal("alice", second.User.Identity!.Name);
        Assert.Same(first.GetAuthenticatedSession(), second.GetAuthenticatedSession());
        // Each request gets a principal of its own, equal claim for claim to the one the framework produced.
        Assert.NotSame(first.User, second.User);
        Assert.Equal(Claims(first.User), Claims(second.User));
        Assert.True(second.Items.ContainsKey("__AuthorizationMiddlewareWithEndpointInvoked"));
    }

    [Fact]
    public async Task PolicyNotYetPassed_GoesToTheFramework_ThenIsRemembered()
    {
        var cookie = await SignInAsync();

        await SendAsync(Proxied(new AuthorizeAttribute()), cookie);
        await SendAsync(Proxied(new AuthorizeAttribute("admins")), cookie);
        await SendAsync(Proxied(new AuthorizeAttribute("ADMINS")), cookie);
        await SendAsync(Proxied(new AuthorizeAttribute()), cookie);

        Assert.Equal(2, _frameworkCalls);
        Assert.Equal(4, _nextCalls);
    }

    [Fact]
    public async Task RequestTheFrameworkRefuses_LeavesNothingBehind()
    {
        var cookie = await SignInAsync();
        _frameworkAdmits = false;
        var route = Proxied(new AuthorizeAttribute("admins"));

        var refused = await SendAsync(route, cookie);
        await SendAsync(route, cookie);

        Assert.Equal((2, 0), (_frameworkCalls, _nextCalls));
        Assert.Null(refused.GetAuthenticatedSession());
        Assert.Equal(0, _sessions.Cache.Count);
    }

    [Fact]
    public async Task RefusedUnderOnePolicy_IsNeverAnsweredForIt_ThoughAdmittedUnderAnother()
    {
        var cookie = await SignInAsync();
        await SendAsync(Proxied(new AuthorizeAttribute()), cookie);
        _frameworkAdmits = false;

        await SendAsync(Proxied(new AuthorizeAttribute("admins")), cookie);
        await SendAsync(Proxied(new AuthorizeAttribute("admins")), cookie);

        Assert.Equal((3, 1), (_frameworkCalls, _nextCalls));
    }

    [Fact]
    public async Task NoCookie_OnAPublicRoute_SkipsTheFramework_AndOnAProtectedOneDoesNot()
    {
        await SendAsync(Proxied(new AllowAnonymousAttribute()), cookie: null);
        Assert.Equal((0, 1), (_frameworkCalls, _nextCalls));

        _frameworkAdmits = false;
        await SendAsync(Proxied(new AuthorizeAttribute()), cookie: null);
        Assert.Equal((1, 1), (_frameworkCalls, _nextCalls));
    }

    [Theory]
    [InlineData("theme=dark")]
    [InlineData("theme=dark; _ga=GA1.2.3.4; lang=de")]
    [InlineData("sso_sess=x; session=y")]
    public async Task OnlyOtherCookies_OnAPublicRoute_SkipTheFramework(string cookies)
    {
        var context = await SendAsync(Proxied(new AllowAnonymousAttribute()), cookies);

        Assert.Equal((0, 1), (_frameworkCalls, _nextCalls));
        Assert.False(context.User.Identity?.IsAuthenticated ?? false);
        Assert.Null(context.GetAuthenticatedSession());
    }

    // Wherever a lenient reading might find the session cookie, in any letter case or spelling, the framework decides.
    [Theory]
    [InlineData("SSO_SESSION=abc")]
    [InlineData("theme=dark; Sso_Session=abc")]
    [InlineData("sso_sessionC1=abc; sso_sessionC2=def")]
    [InlineData("x@sso_session=abc")]
    [InlineData("\"sso_session=abc\"")]
    [InlineData("a=b, sso_session=abc")]
    [InlineData("sso_session")]
    public async Task AnyHeaderThatMayHoldTheSessionCookie_OnAPublicRoute_GoesToTheFramework(string cookies)
    {
        await SendAsync(Proxied(new AllowAnonymousAttribute()), cookies);

        Assert.Equal((1, 1), (_frameworkCalls, _nextCalls));
    }

    [Fact]
    public async Task SignedInOnAPublicRoute_IsAnsweredWithItsIdentity()
    {
        var cookie = await SignInAsync();
        var route = Proxied(new AllowAnonymousAttribute());

        await SendAsync(route, cookie);
        var second = await SendAsync(route, cookie);

        Assert.Equal(1, _frameworkCalls);
        Assert.Equal("alice", second.GetAuthenticatedSession()!.Headers.User);
    }

    public static TheoryData<string, object[]> NeverAnswered => new()
    {
        { "an endpoint that did not opt in", [] },
        { "roles", [new AuthenticatedSessionEndpoint(), new AuthorizeAttribute { Roles = "admin" }] },
        { "an authentication scheme", [new AuthenticatedSessionEndpoint(), new AuthorizeAttribute { AuthenticationSchemes = "Other" }] },
        { "two policies", [new AuthenticatedSessionEndpoint(), new AuthorizeAttribute("a"), new AuthorizeAttribute("b")] },
        { "a policy object", [new AuthenticatedSessionEndpoint(), new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build()] },
    };

    [Theory]
    [MemberData(nameof(NeverAnswered))]
    public async Task EndpointsTheHotPathCannotJudge_AlwaysGoToTheFramework(string kind, object[] metadata)
    {
        var cookie = await SignInAsync();
        var endpoint = new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(metadata), kind);

        await SendAsync(endpoint, cookie);
        await SendAsync(endpoint, cookie);
        await SendAsync(endpoint, cookie: null);

        Assert.Equal(3, _frameworkCalls);
    }

    [Fact]
    public async Task ProviderCallbacks_AlwaysGoToTheFramework()
    {
        var cookie = await SignInAsync();
        var route = Proxied(new AllowAnonymousAttribute());
        await SendAsync(route, cookie);

        await SendAsync(route, cookie, "/_sso/oidc/keycloak/callback");
        await SendAsync(route, null, "/_SSO/OIDC/keycloak/callback");

        Assert.Equal(3, _frameworkCalls);
    }

    [Fact]
    public async Task EndedSession_GoesToTheFrameworkAgain()
    {
        var cookie = await SignInAsync();
        var route = Proxied(new AuthorizeAttribute());
        await SendAsync(route, cookie);

        await _sessions.Store.DeleteAsync(Signed[cookie].Key, default);
        Signed.Remove(cookie);
        _frameworkAdmits = false;
        var after = await SendAsync(route, cookie);

        Assert.Equal(2, _frameworkCalls);
        Assert.Null(after.GetAuthenticatedSession());
    }

    [Fact]
    public async Task TwoSessionCookies_AreNeverAnswered()
    {
        var alice = await SignInAsync();
        var route = Proxied(new AuthorizeAttribute());
        await SendAsync(route, alice);

        await SendAsync(route, alice + "; " + alice);
        await SendAsync(route, alice + "; SSO_SESSION=x");

        Assert.Equal(3, _frameworkCalls);
    }

    public void Dispose() => _sessions.Dispose();
}
