using System.Net;
using System.Security.Claims;
using Gateway.AuthenticatedSessions;
using Gateway.Identity;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>The authenticated-session invariants on a real gateway, over real sockets, against the echo backends.</summary>
public sealed class AuthenticatedSessionEndToEndTests
{
    [Fact]
    public async Task RepeatedRequests_AreAnsweredFromOneAuthenticatedSession_WithTheRightIdentity()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        var cache = gateway.Services.GetRequiredService<AuthenticatedSessionCache>();

        var echoes = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            alice.GetEchoAsync(i % 2 == 0 ? GatewayHost.App1 : GatewayHost.App2, i % 4 == 1 ? "/admin/x" : "/page")));

        Assert.All(echoes, e => Assert.Equal(("alice", "staff,admin"), (e.Header("X-Forwarded-User"), e.Header("X-Forwarded-Groups"))));
        Assert.Equal(1, cache.Count);
        Assert.True(cache.Enabled);
    }

    /// <summary>
    /// On one keep-alive connection the session cookie's digest is remembered for the header Kestrel hands the next
    /// request (the same string instance when its bytes repeat), and only for that header: another user's cookie, no
    /// cookie, and the first user's again on the same connection are each answered as who they are.
    /// </summary>
    [Fact]
    public async Task OneConnection_RemembersTheCookieDigest_OnlyForTheSameHeader()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var alice = gateway.CreateClient();
        using var bob = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var cookies = new Dictionary<string, string?>
        {
            ["alice"] = "sso_session=" + alice.SessionCookie()!.Value,
            ["bob"] = "sso_session=" + bob.SessionCookie()!.Value,
            ["none"] = null,
        };
        using var oneConnection = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            MaxConnectionsPerServer = 1,
            ConnectCallback = LoopbackConnection.ConnectAsync,
        });
        var cache = gateway.Services.GetRequiredService<AuthenticatedSessionCache>();

        async Task<string?> ForwardedUserAsync(string who)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(GatewayHost.App1, "/public/x"));
            if (cookies[who] is { } cookie)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie);
            }
            using var response = await oneConnection.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return EchoedRequest.Parse(await response.Content.ReadAsStringAsync()).Header("X-Forwarded-User");
        }

        // Warm: each user's session in the cache.
        Assert.Equal("alice", await ForwardedUserAsync("alice"));
        Assert.Equal("bob", await ForwardedUserAsync("bob"));
        var digestsBefore = cache.LookupDigests;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("bob", await ForwardedUserAsync("bob"));
        }
        // Bob's header repeated on the connection: digested at most once more, not ten times.
        Assert.InRange(cache.LookupDigests - digestsBefore, 0, 1);

        foreach (var who in new[] { "alice", "alice", "bob", "none", "bob", "alice", "none", "none", "alice" })
        {
            Assert.Equal(who == "none" ? null : who, await ForwardedUserAsync(who));
        }
    }

    [Fact]
    public async Task SessionOfAnotherUser_IsNeverAnsweredForTheFirst()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var alice = gateway.CreateClient();
        using var bob = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("alice", (await alice.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
            Assert.Equal("bob", (await bob.GetEchoAsync(GatewayHost.App1, "/")).Header("X-Forwarded-User"));
            using var refused = await bob.GetAsync(GatewayHost.App2, "/admin/x");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
    }

    /// <summary>
    /// A claims transformation edits the principal on every authentication, here in place. With one registered the
    /// cache steps aside: each request gets its own principal, transformed once, and policies see the transformation.
    /// </summary>
    [Fact]
    public async Task ClaimsTransformationThatEditsThePrincipal_AppliesOncePerRequest_AndPoliciesSeeIt()
    {
        var transformation = new MakesBobAnAdmin();
        await using var gateway = await GatewayHost.StartAsync(services: s => s.AddSingleton<IClaimsTransformation>(transformation));
        using var bob = gateway.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        var cache = gateway.Services.GetRequiredService<AuthenticatedSessionCache>();

        for (var i = 0; i < 5; i++)
        {
            var echo = await bob.GetEchoAsync(GatewayHost.App2, "/admin/reports");
            Assert.Equal("staff,admin", echo.Header("X-Forwarded-Groups"));
        }

        Assert.False(cache.Enabled);
        Assert.Equal(0, cache.Count);
        Assert.InRange(transformation.Calls, 5, 10);
    }

    /// <summary>Adds the admin group to bob's principal in place, the way a careless transformation would.</summary>
    private sealed class MakesBobAnAdmin : IClaimsTransformation
    {
        public int Calls;

        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            Interlocked.Increment(ref Calls);
            if (principal.Identity is ClaimsIdentity { Name: "bob" } identity)
            {
                identity.AddClaim(new Claim(GatewayClaimTypes.Group, "admin"));
            }
            return Task.FromResult(principal);
        }
    }
}
