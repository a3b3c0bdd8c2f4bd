using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Identity;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

/// <summary>
/// On every forwarded request: strip every incoming identity header and <c>X-Sso-*</c> header (any letter case),
/// drop the gateway's session cookie, then add the signed-in user's identity headers (SPEC §7).
/// </summary>
internal sealed class IdentityHeadersTransform
{
    private const string ReservedPrefix = "X-Sso-";

    private readonly IdentityHeaderNames _names;
    private readonly HashSet<string> _identityHeaders;
    private readonly string _sessionCookiePrefix;

    public IdentityHeadersTransform(IOptions<SsoOptions> options)
    {
        _names = options.Value.Headers;
        _identityHeaders = new HashSet<string>(_names.All, StringComparer.OrdinalIgnoreCase);
        _sessionCookiePrefix = options.Value.CookieName + "=";
    }

    public ValueTask ApplyAsync(RequestTransformContext context)
    {
        var proxyHeaders = context.ProxyRequest.Headers;
        foreach (var header in context.HttpContext.Request.Headers)
        {
            if (_identityHeaders.Contains(header.Key) || header.Key.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                proxyHeaders.Remove(header.Key);
            }
        }

        if (CookieHeader.TryRemove(context.HttpContext.Request.Headers.Cookie, _sessionCookiePrefix, out var otherCookies))
        {
            proxyHeaders.Remove("Cookie");
            if (otherCookies is not null)
            {
                proxyHeaders.TryAddWithoutValidation("Cookie", otherCookies);
            }
        }

        var user = context.HttpContext.User;
        if (user.Identity is { IsAuthenticated: true, Name: { } name })
        {
            proxyHeaders.TryAddWithoutValidation(_names.User, IdentityHeaderValue.Encode(name));
            proxyHeaders.TryAddWithoutValidation(_names.Email, IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.Email)?.Value ?? ""));
            proxyHeaders.TryAddWithoutValidation(_names.Name, IdentityHeaderValue.Encode(user.FindFirst(GatewayClaimTypes.DisplayName)?.Value ?? ""));
            proxyHeaders.TryAddWithoutValidation(_names.Groups, IdentityHeaderValue.Encode(string.Join(',', user.FindAll(GatewayClaimTypes.Group).Select(g => g.Value))));
        }
        return ValueTask.CompletedTask;
    }
}
