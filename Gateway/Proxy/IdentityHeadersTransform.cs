using Gateway.Assertion;
using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Errors;
using Gateway.Identity;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

/// <summary>
/// On every forwarded request: strip every incoming identity header and <c>X-Sso-*</c> header in any spelling
/// (<see cref="ReservedHeaderNames"/>),
/// drop the gateway's session and antiforgery cookies, then add the signed-in user's identity headers (SPEC §7) and,
/// when <c>Sso:Assertion:Header</c> is set, their signed identity for this host (<see cref="IdentityAssertion"/>).
/// </summary>
internal sealed class IdentityHeadersTransform
{
    private readonly IdentityHeaderNames _names;
    private readonly ReservedHeaderNames _reserved;
    private readonly GatewayCookieNames _gatewayCookies;
    private readonly IdentityAssertion _assertion;
    private readonly string? _assertionHeader;

    public IdentityHeadersTransform(IOptions<SsoOptions> options, IdentityAssertion assertion)
    {
        _names = options.Value.Headers;
        _assertion = assertion;
        _assertionHeader = assertion.HeaderName;
        // The assertion header is the gateway's too, whatever its name: a client's copy never passes.
        _reserved = new ReservedHeaderNames(_assertionHeader is null ? _names.All : _names.All.Append(_assertionHeader));
        _gatewayCookies = GatewayCookieNames.NotForBackends(options.Value);
    }

    public ValueTask ApplyAsync(RequestTransformContext context)
    {
        var proxyHeaders = context.ProxyRequest.Headers;
        foreach (var header in context.HttpContext.Request.Headers)
        {
            if (_reserved.MustRemove(header.Key))
            {
                proxyHeaders.Remove(header.Key);
            }
        }

        if (CookieHeader.TryRemove(context.HttpContext.Request.Headers.Cookie, _gatewayCookies, out var otherCookies))
        {
            proxyHeaders.Remove("Cookie");
            if (otherCookies is not null)
            {
                proxyHeaders.TryAddWithoutValidation("Cookie", otherCookies);
            }
        }

        var user = context.HttpContext.User;
        if (user.Identity is { IsAuthenticated: true })
        {
            // Encoded once per authenticated session; a request answered without the cache encodes its own.
            var values = context.HttpContext.GetAuthenticatedSession()?.Headers ?? IdentityHeaderValues.Of(user);
            proxyHeaders.TryAddWithoutValidation(_names.User, values.User);
            proxyHeaders.TryAddWithoutValidation(_names.Email, values.Email);
            proxyHeaders.TryAddWithoutValidation(_names.Name, values.Name);
            proxyHeaders.TryAddWithoutValidation(_names.Groups, values.Groups);
            if (_assertionHeader is not null)
            {
                // The audience is the host the request came for (lower case, no port): a token for mail. is no use at shop.
                var audience = context.HttpContext.Request.Host.Host.ToLowerInvariant();
                var token = _assertion.TokenForAsync(user, audience, context.HttpContext.RequestAborted);
                if (!token.IsCompletedSuccessfully)
                {
                    return AddAssertionAsync(context, token);
                }
                proxyHeaders.TryAddWithoutValidation(_assertionHeader, token.Result);
            }
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask AddAssertionAsync(RequestTransformContext context, ValueTask<string> token)
    {
        try
        {
            context.ProxyRequest.Headers.TryAddWithoutValidation(_assertionHeader!, await token);
        }
        catch (Gateway.Sessions.SessionStoreUnavailableException)
        {
            // No signing key (Redis did not answer as a new key period began): never forward without the proof.
            // A response written here stops YARP from forwarding the request.
            await GatewayResponses.StoreUnavailable(context.HttpContext);
        }
    }

}
