using System.Runtime.CompilerServices;
using System.Security.Claims;
using Gateway.Assertion;
using Gateway.Configuration;
using Gateway.Cookies;
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

    // A signed-in principal is built once per session record (SessionCookieHandler hands the same one to every request
    // until the record changes), so its encoded values are computed once and live exactly as long as it does.
    private readonly ConditionalWeakTable<ClaimsPrincipal, IdentityValues> _valuesByPrincipal = new();

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
            var values = _valuesByPrincipal.GetValue(user, ValuesOf);
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

    private static IdentityValues ValuesOf(ClaimsPrincipal user) => new(
        IdentityHeaderValue.Encode(user.Identity?.Name ?? ""),
        IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.Email)?.Value ?? ""),
        IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.DisplayName)?.Value ?? ""),
        IdentityHeaderValue.Encode(string.Join(',', user.FindAll(GatewayClaimTypes.Group).Select(g => g.Value))));

    private sealed record IdentityValues(string User, string Email, string Name, string Groups);
}
