using Gateway.Errors;

namespace Gateway.Admin;

/// <summary>
/// Defence in depth for the cookie-authenticated DELETEs: a browser request sent from another site, or from a
/// sibling subdomain (same site, so <c>SameSite=Lax</c> does not stop it), is refused with 403. Browsers mark
/// such requests with <c>Sec-Fetch-Site</c> and <c>Origin</c>; clients that send neither (curl, scripts) pass.
/// </summary>
internal static class SameOriginOnly
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (IsForeign(context.HttpContext.Request))
        {
            return GatewayResponses.Result(StatusCodes.Status403Forbidden,
                new GatewayError("forbidden", "Admin requests must come from the gateway's own origin."));
        }
        return await next(context);
    }

    /// <summary>True for a request a browser marks as sent from another site or another origin (also used by "my sessions").</summary>
    public static bool IsForeign(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        var origin = request.Headers.Origin.ToString();
        var foreignSite = site is "cross-site" or "same-site";
        var foreignOrigin = origin.Length > 0
            && !string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
        return foreignSite || foreignOrigin;
    }
}
