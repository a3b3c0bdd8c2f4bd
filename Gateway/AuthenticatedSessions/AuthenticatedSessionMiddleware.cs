using Gateway.Cookies;
using Gateway.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Primitives;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// The one hot path of a signed-in request. On an endpoint that opted in (<see cref="AuthenticatedSessionEndpoint"/>:
/// the proxied routes and forward-auth), a request whose session cookie <see cref="AuthenticatedSessionCache"/> can
/// answer, under a policy that session has passed, goes straight on with its principal and session; so does a request
/// without a session cookie (no cookie, or only others) to an endpoint that needs no policy; so does a session whose
/// trust window ended or whose slide is due, once renewed with one store read
/// (<see cref="AuthenticatedSessionCache.RenewAsync"/>). Every other request (first sight of a cookie, a session whose
/// record or directory changed, a policy not yet passed, sign-in, sign-out, challenges, refusals, the gateway's own
/// endpoints) runs the framework's authentication and authorization middleware as they are, and a request they admit
/// on an opted-in endpoint leaves its authenticated session in the cache for the next one.
/// </summary>
internal sealed class AuthenticatedSessionMiddleware
{
    // What the framework's authorization middleware leaves for the endpoint middleware, which refuses to run an
    // endpoint with authorization metadata otherwise: on the hot path this middleware is the authorization.
    private const string AuthorizationInvokedKey = "__AuthorizationMiddlewareWithEndpointInvoked";
    private static readonly object AuthorizationInvoked = new();

    private readonly RequestDelegate _next;
    private readonly RequestDelegate _framework;
    private readonly AuthenticatedSessionCache _cache;
    private readonly UserDirectory _directory;
    private readonly string _cookieName;
    private readonly PathString _providerPaths;
    private readonly bool _hasFallbackPolicy;

    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="framework">The framework's authentication and authorization, ending in <see cref="AdmittedAsync"/>.</param>
    public AuthenticatedSessionMiddleware(
        RequestDelegate next,
        Func<RequestDelegate, RequestDelegate> framework,
        AuthenticatedSessionCache cache,
        UserDirectory directory,
        IAuthorizationPolicyProvider policies,
        string cookieName,
        string pathPrefix)
    {
        _next = next;
        _cache = cache;
        _directory = directory;
        _cookieName = cookieName;
        _providerPaths = new PathString(pathPrefix + "/oidc");
        _hasFallbackPolicy = policies.GetFallbackPolicyAsync().GetAwaiter().GetResult() is not null;
        _framework = framework(AdmittedAsync);
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not { } endpoint
            || endpoint.Metadata.GetMetadata<AuthenticatedSessionEndpoint>() is not { } marker
            || !_cache.Enabled
            // The providers' callbacks are answered inside the framework's authentication middleware.
            || context.Request.Path.StartsWithSegments(_providerPaths))
        {
            return _framework(context);
        }
        var access = marker.AccessOf(endpoint, _hasFallbackPolicy);
        if (access.Answerable)
        {
            var cookies = context.Request.Headers.Cookie;
            if (access.Policy is null && !CookieHeader.MayHold(cookies, _cookieName))
            {
                // No session cookie (other cookies, or none), and nothing to check: what the framework would conclude.
                context.Items[AuthorizationInvokedKey] = AuthorizationInvoked;
                return _next(context);
            }
            if (TryGetCookieDigest(context, cookies, out var digest))
            {
                if (_cache.TryGet(digest, out var session) && access.Admits(session))
                {
                    return Answer(context, session);
                }
                if (_cache.TryGetRenewable(digest, out var held) && access.Admits(held))
                {
                    return RenewAsync(context, digest, held, access);
                }
            }
        }
        return Framework(context, access);
    }

    private Task Answer(HttpContext context, AuthenticatedSession session)
    {
        context.User = session.CreatePrincipal();
        context.Features.Set(session);
        context.Items[AuthorizationInvokedKey] = AuthorizationInvoked;
        return _next(context);
    }

    /// <summary>A session whose trust window ended or whose slide is due: renewed with one store read when nothing else changed.</summary>
    private async Task RenewAsync(HttpContext context, UInt128 digest, AuthenticatedSession held, EndpointAccess access)
    {
        // The session renewal hands back is checked like any other: it may be one a concurrent request left.
        if (await _cache.RenewAsync(digest, held, context.RequestAborted) is { } session && access.Admits(session))
        {
            await Answer(context, session);
            return;
        }
        await Framework(context, access);
    }

    private Task Framework(HttpContext context, EndpointAccess access)
    {
        context.Features.Set(new FrameworkPass(_directory.Version, access));
        return _framework(context);
    }

    /// <summary>
    /// The cache key of the request's session cookie: remembered on the connection for the very header instance it
    /// was read from (<see cref="ConnectionCookieMemo"/>), else read and digested, and remembered.
    /// </summary>
    private bool TryGetCookieDigest(HttpContext context, StringValues cookies, out UInt128 digest)
    {
        if (cookies.Count != 1 || cookies[0] is not { } header)
        {
            digest = default;
            return false;
        }
        if (ConnectionCookieMemo.TryRecall(context, header, out digest))
        {
            return true;
        }
        if (!CookieHeader.TryGetSingleValue(cookies, _cookieName, out var value) || !_cache.TryDigest(value, out digest))
        {
            digest = default;
            return false;
        }
        ConnectionCookieMemo.Remember(context, header, digest);
        return true;
    }

    /// <summary>A request the framework admitted: on an opted-in endpoint, its authenticated session is kept and published.</summary>
    private Task AdmittedAsync(HttpContext context)
    {
        if (context.Features.Get<FrameworkPass>() is { } pass
            && context.User.Identity is { IsAuthenticated: true }
            && context.Features.Get<SessionTicketStore.RetrievedSession>() is { } retrieved
            && CookieHeader.TryGetSingleValue(context.Request.Headers.Cookie, _cookieName, out var value)
            && _cache.Add(value.ToString(), retrieved.Key, retrieved.Record, pass.DirectoryVersion, context.User) is { } session)
        {
            if (pass.Access is { Answerable: true, Policy: { } policy })
            {
                session.RecordPassed(policy);
            }
            context.Features.Set(session);
        }
        return _next(context);
    }

    /// <summary>A request on an opted-in endpoint sent through the framework: the directory version it was checked against.</summary>
    private sealed record FrameworkPass(object DirectoryVersion, EndpointAccess Access);
}
