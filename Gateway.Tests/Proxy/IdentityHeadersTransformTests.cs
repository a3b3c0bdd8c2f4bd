using Gateway.AuthenticatedSessions;
using Gateway.Identity;
using Gateway.Proxy;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Tests.Proxy;

/// <summary>The transform every forwarded request goes through, called directly on the real gateway's instance.</summary>
[Collection(nameof(IdentityHeadersTransformTests))]
public sealed class IdentityHeadersTransformTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    private IdentityHeadersTransform Transform => _gateway.Services.GetRequiredService<IdentityHeadersTransform>();

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static RequestTransformContext Request(Action<HttpRequest> build)
    {
        var http = new DefaultHttpContext();
        build(http.Request);
        var proxy = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
        // What YARP copies before the transforms run: every request header.
        foreach (var (name, values) in http.Request.Headers)
        {
            proxy.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        return new RequestTransformContext { HttpContext = http, ProxyRequest = proxy, Path = "/" };
    }

    private static string? Header(RequestTransformContext context, string name) =>
        context.ProxyRequest.Headers.TryGetValues(name, out var values) ? string.Join("|", values) : null;

    public static TheoryData<string> Spoofed => new()
    {
        "X-Forwarded-User", "x-forwarded-user", "X_Forwarded_User", "x.forwarded.user", "X-Forwarded-Groups",
        "X-Forwarded-Email", "X-Forwarded-Name", "X-Sso-Session", "X_SSO_ASSERTION",
    };

    [Theory]
    [MemberData(nameof(Spoofed))]
    public async Task SpoofedIdentityHeader_NeverReachesTheBackend_SignedInOrNot(string name)
    {
        var anonymous = Request(r => r.Headers[name] = "mallory");
        await Transform.ApplyAsync(anonymous);
        Assert.Null(Header(anonymous, name));

        var signedIn = Request(r => r.Headers[name] = "mallory");
        signedIn.HttpContext.User = UserPrincipal.Create("bob", "bob@example.com", "Bob", ["staff"], "handle123456");
        await Transform.ApplyAsync(signedIn);
        Assert.DoesNotContain("mallory", Header(signedIn, name) ?? "");
        Assert.Equal("bob", Header(signedIn, "X-Forwarded-User"));
    }

    [Fact]
    public async Task SignedInRequest_GetsTheSessionsEncodedHeaders_FromItsAuthenticatedSession()
    {
        var principal = UserPrincipal.Create("张三", "zhang@example.com", "张三", ["staff", "研发"], "handle123456");
        var session = AuthenticatedSession.TryCreate(SessionKey.FromSessionId(SessionId.New()), new SessionRecord
        {
            User = "张三", CreatedAt = default, LastSeenAt = default, AbsoluteExpiresAt = default, ExpiresAt = default,
        }, new object(), principal)!;
        var context = Request(_ => { });
        context.HttpContext.User = principal;
        context.HttpContext.Features.Set(session);

        await Transform.ApplyAsync(context);

        Assert.Equal("%E5%BC%A0%E4%B8%89", Header(context, "X-Forwarded-User"));
        Assert.Equal("staff,%E7%A0%94%E5%8F%91", Header(context, "X-Forwarded-Groups"));
        Assert.Equal("zhang@example.com", Header(context, "X-Forwarded-Email"));
        Assert.Same(session.Headers.User, context.ProxyRequest.Headers.GetValues("X-Forwarded-User").Single());
    }

    [Fact]
    public async Task AnonymousRequest_GetsNoIdentityHeaders()
    {
        var context = Request(_ => { });

        await Transform.ApplyAsync(context);

        Assert.All(new[] { "X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Name", "X-Forwarded-Groups" },
            name => Assert.Null(Header(context, name)));
    }

    [Fact]
    public async Task GatewayCookies_AreRemoved_OtherCookiesKept()
    {
        var context = Request(r => r.Headers.Cookie = "theme=dark; sso_session=abc; SSO_SESSION_af=x; lang=de");

        await Transform.ApplyAsync(context);

        Assert.Equal("theme=dark; lang=de", Header(context, "Cookie"));
    }

    [Fact]
    public async Task OnlyGatewayCookies_LeavesNoCookieHeader()
    {
        var context = Request(r => r.Headers.Cookie = "sso_session=abc");

        await Transform.ApplyAsync(context);

        Assert.Null(Header(context, "Cookie"));
    }
}
