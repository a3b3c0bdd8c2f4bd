using System.Runtime.CompilerServices;
using System.Security.Claims;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Identity;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

/// <summary>
/// On every forwarded request: strip every incoming identity header and <c>X-Sso-*</c> header in any spelling
/// (<see cref="ReservedHeaderNames"/>),
/// drop the gateway's session and antiforgery cookies, then add the signed-in user's identity headers (SPEC §7).
/// </summary>
internal sealed class IdentityHeadersTransform
{
    private readonly IdentityHeaderNames _names;
    private readonly ReservedHeaderNames _reserved;
    private readonly GatewayCookieNames _gatewayCookies;

    // A signed-in principal is built once per session record (SessionCookieHandler hands the same one to every request
    // until the record changes), so its encoded values are computed once and live exactly as long as it does.
    private readonly ConditionalWeakTable<ClaimsPrincipal, IdentityValues> _valuesByPrincipal = new();

    public IdentityHeadersTransform(IOptions<SsoOptions> options)
    {
        _names = options.Value.Headers;
        _reserved = new ReservedHeaderNames(_names.All);
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
        }
        return ValueTask.CompletedTask;
    }

    private static IdentityValues ValuesOf(ClaimsPrincipal user) => new(
        IdentityHeaderValue.Encode(user.Identity?.Name ?? ""),
        IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.Email)?.Value ?? ""),
        IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.DisplayName)?.Value ?? ""),
        IdentityHeaderValue.Encode(string.Join(',', user.FindAll(GatewayClaimTypes.Group).Select(g => g.Value))));

    private sealed record IdentityValues(string User, string Email, string Name, string Groups);
}
