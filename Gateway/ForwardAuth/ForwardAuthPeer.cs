using System.Net;

namespace Gateway.ForwardAuth;

/// <summary>
/// The address that opened the connection of a forward-auth request, noted before the forwarded-headers middleware
/// (<c>Sso:ForwardedHeaders</c>) replaces <see cref="ConnectionInfo.RemoteIpAddress"/> with the browser's address: the
/// trust check of <c>Sso:ForwardAuth:TrustedProxies</c> is about the proxy that asks, never about the browser it names.
/// </summary>
internal sealed class ForwardAuthPeer(IPAddress? address)
{
    public IPAddress? Address { get; } = address;

    /// <summary>The noted peer; null when nothing was noted (the request is then treated as from an untrusted sender).</summary>
    public static IPAddress? Of(HttpContext context) => context.Features.Get<ForwardAuthPeer>()?.Address;

    /// <summary>Notes the peer of requests to <paramref name="authPath"/> only, so other requests allocate nothing.</summary>
    public static IApplicationBuilder Use(IApplicationBuilder app, PathString authPath) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments(authPath, StringComparison.OrdinalIgnoreCase))
        {
            context.Features.Set(new ForwardAuthPeer(context.Connection.RemoteIpAddress));
        }
        return next(context);
    });
}
