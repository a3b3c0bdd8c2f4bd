using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Errors;
using Gateway.Identity;
using Gateway.Login;
using Gateway.Proxy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Gateway.ForwardAuth;

/// <summary>
/// <c>{PathPrefix}/auth?policy=NAME</c>: another proxy asks whether the browser behind its request may pass. The
/// session was already authenticated by the framework's middleware, exactly as for a proxied request (same cookie
/// handler, same cache, same sliding expiry, same revocations), and the policy is evaluated by the same evaluator the
/// proxied routes use. Nothing here reads the session store.
/// </summary>
internal sealed partial class ForwardAuthHandler(
    IAuthorizationPolicyProvider policies,
    IPolicyEvaluator evaluator,
    ReturnUrlValidator returnUrls,
    TrustedProxyNetworks trustedProxies,
    IOptions<SsoOptions> options,
    ILogger<ForwardAuthHandler> logger)
{
    public const string PolicyParameter = "policy";
    public const string RedirectParameter = "redirect";
    private const string DefaultPolicy = "default";
    private const string AnonymousPolicy = "anonymous";
    private const int MaxLoggedPolicyLength = 64;

    private readonly SsoOptions _options = options.Value;
    private readonly IdentityHeaderNames _headers = options.Value.Headers;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers.CacheControl = "no-store";

        if (!TryReadParameters(request, out var policyName, out var redirect, out var parameterError))
        {
            Log.BadRequest(logger, parameterError);
            await GatewayResponses.Json(context, StatusCodes.Status400BadRequest, new GatewayError("bad_request", parameterError));
            return;
        }

        var original = OriginalRequest.Itself(request);
        var peer = ForwardAuthPeer.Of(context);
        if (trustedProxies.Contains(peer))
        {
            if (!OriginalRequest.TryRead(request, out original, out var refusal))
            {
                Log.BadForwardedHeaders(logger, refusal!, peer?.ToString() ?? "-");
                await GatewayResponses.Json(context, StatusCodes.Status400BadRequest,
                    new GatewayError("bad_forwarded_request", "The proxy's description of the original request is unusable: " + refusal + "."));
                return;
            }
        }
        else if (OriginalRequest.HeaderNames.Any(request.Headers.ContainsKey))
        {
            Log.UntrustedSender(logger, peer?.ToString() ?? "-");
        }

        AuthorizationPolicy? policy = null;
        if (!policyName.Equals(AnonymousPolicy, StringComparison.OrdinalIgnoreCase))
        {
            policy = policyName.Equals(DefaultPolicy, StringComparison.OrdinalIgnoreCase)
                ? await policies.GetDefaultPolicyAsync()
                : await policies.GetPolicyAsync(policyName);
            if (policy is null)
            {
                Log.UnknownPolicy(logger, policyName.Length > MaxLoggedPolicyLength ? policyName[..MaxLoggedPolicyLength] + "…" : policyName);
                await GatewayResponses.Json(context, StatusCodes.Status400BadRequest,
                    new GatewayError("unknown_policy", "The policy named by the proxy's configuration does not exist."));
                return;
            }
        }

        // The session's earlier admissions under this policy answer for it (AuthenticatedSession's invariants).
        var session = context.GetAuthenticatedSession();
        var passedName = policyName.Equals(DefaultPolicy, StringComparison.OrdinalIgnoreCase) ? AuthenticatedSessionEndpoint.DefaultPolicyName : policyName;
        if (policy is null || session?.HasPassed(passedName) == true)
        {
            Allow(context);
            return;
        }
        // Answered from the cache, the framework's authentication did not run: the session stands for its result.
        var authentication = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult
            ?? (session is not null
                ? AuthenticateResult.Success(new AuthenticationTicket(context.User, CookieAuthenticationDefaults.AuthenticationScheme))
                : AuthenticateResult.NoResult());
        var result = await evaluator.AuthorizeAsync(policy, authentication, context, resource: null);
        if (result.Succeeded)
        {
            session?.RecordPassed(passedName);
            Allow(context);
        }
        else if (result.Forbidden)
        {
            await GatewayResponses.Json(context, StatusCodes.Status403Forbidden,
                new GatewayError("forbidden", "Your account may not use this resource."));
        }
        else if (SessionStoreFailure.IsMarkedOn(context))
        {
            await GatewayResponses.StoreUnavailable(context);
        }
        else
        {
            await ChallengeAsync(context, original, redirect);
        }
    }

    private void Allow(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        // Always all four, empty without a session (anonymous): proxies that copy them (Caddy's copy_headers,
        // Traefik's authResponseHeaders) then replace whatever the browser sent instead of passing it on, and
        // Caddy 2.6 would otherwise copy its own unresolved placeholder text.
        var values = context.User.Identity is not { IsAuthenticated: true } ? IdentityHeaderValues.None
            : context.GetAuthenticatedSession()?.Headers ?? IdentityHeaderValues.Of(context.User);
        var headers = context.Response.Headers;
        headers[_headers.User] = values.User;
        headers[_headers.Email] = values.Email;
        headers[_headers.Name] = values.Name;
        headers[_headers.Groups] = values.Groups;
    }

    /// <summary>
    /// 401 with the sign-in URL in the body, and in <c>Location</c> when a person's browser asked for a page (nginx
    /// sends it there with <c>error_page 401</c>); with <c>redirect=true</c> (Traefik, Caddy, which hand the answer to the
    /// browser as it is) such a browser gets the 302 itself. API calls never get a redirect (SPEC §5).
    /// </summary>
    private Task ChallengeAsync(HttpContext context, OriginalRequest original, bool redirect)
    {
        var returnUrl = returnUrls.Validate(original.Url, HostOnly(original.Host));
        var loginUrl = LoginUrl.For(original.Scheme, new HostString(original.Host), returnUrl, _options);
        var request = context.Request;
        var isNavigation = original.Method is "GET" or "HEAD"
            && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(request.Headers.XRequestedWith, "XMLHttpRequest", StringComparison.OrdinalIgnoreCase);
        if (isNavigation)
        {
            context.Response.Headers.Location = loginUrl;
            if (redirect)
            {
                context.Response.StatusCode = StatusCodes.Status302Found;
                return Task.CompletedTask;
            }
        }
        return GatewayResponses.Json(context, StatusCodes.Status401Unauthorized,
            new GatewayError("unauthenticated", "Sign in first.", loginUrl));
    }

    private static string HostOnly(string authority) => new HostString(authority).Host;

    private static bool TryReadParameters(HttpRequest request, out string policy, out bool redirect, out string error)
    {
        policy = DefaultPolicy;
        redirect = false;
        error = "";
        var query = request.Query;
        if (query.TryGetValue(PolicyParameter, out var policies))
        {
            if (policies.Count != 1 || string.IsNullOrWhiteSpace(policies[0]))
            {
                error = $"'{PolicyParameter}' must name one policy (a name from Sso:Policies, default or anonymous).";
                return false;
            }
            policy = policies[0]!;
        }
        if (query.TryGetValue(RedirectParameter, out var redirects))
        {
            if (redirects.Count != 1 || !bool.TryParse(redirects[0], out redirect))
            {
                error = $"'{RedirectParameter}' must be true or false.";
                return false;
            }
        }
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.ForwardAuth.BadRequest, LogLevel.Warning, "Forward-auth request refused: {Problem}")]
        public static partial void BadRequest(ILogger logger, string problem);

        [LoggerMessage(GatewayEventIds.ForwardAuth.UnknownPolicy, LogLevel.Warning, "Forward-auth request names an unknown policy '{Policy}' (define it under Sso:Policies, or use default or anonymous)")]
        public static partial void UnknownPolicy(ILogger logger, string policy);

        [LoggerMessage(GatewayEventIds.ForwardAuth.BadForwardedHeaders, LogLevel.Warning, "Forward-auth request from trusted proxy {Proxy} refused: {Refusal}")]
        public static partial void BadForwardedHeaders(ILogger logger, string refusal, string proxy);

        [LoggerMessage(GatewayEventIds.ForwardAuth.UntrustedSender, LogLevel.Warning, "Forward-auth request from {Sender}, which is not in Sso:ForwardAuth:TrustedProxies: its X-Forwarded-*/X-Original-* headers are ignored")]
        public static partial void UntrustedSender(ILogger logger, string sender);
    }
}
