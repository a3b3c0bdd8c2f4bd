using Gateway.Configuration;
using Gateway.Errors;
using Gateway.Identity;
using Gateway.Login;
using Gateway.Sessions;
using Gateway.TrustedProxies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Cookies;

/// <summary>
/// What happens around the session cookie: a user who left the directory is signed out on their next request (a
/// user who signed in at an OpenID Connect provider is not in the directory: see <see cref="ExternalProviders"/>), and
/// a user whose entry changed gets the directory's current groups, email and name;
/// a challenge becomes a login redirect for browser navigations, 401 JSON for everything else, or 503 when the
/// store did not answer; a refusal becomes a plain 403.
/// </summary>
internal sealed partial class SessionCookieEvents(
    UserDirectory directory,
    ExternalProviders providers,
    AccountDirectories directories,
    DirectoryRecheck recheck,
    IOptions<SsoOptions> options,
    ILogger<SessionCookieEvents> logger) : CookieAuthenticationEvents
{
    private readonly SsoOptions _options = options.Value;

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var name = principal?.Identity?.Name;
        if (principal is not null && name is not null && UserPrincipal.ProviderOf(principal) is { } provider)
        {
            // A provider's user lives only in the session, so the directory has nothing to say about them, except
            // that a name is never both: once users.json has it, the provider session of that name stops (fail
            // closed, see README). So does the session of a provider that is no longer configured.
            if (providers.Find(provider) is not null && directory.Find(name) is null)
            {
                return;
            }
        }
        else if (principal is not null && name is not null && UserPrincipal.DirectoryOf(principal) is { } kind)
        {
            // LDAP and SQL accounts live in the session between re-checks (DirectoryRecheck), which run off this path.
            if (directories.Find(kind) is not null)
            {
                if (context.HttpContext.Features.Get<SessionTicketStore.RetrievedSession>() is { } retrieved)
                {
                    recheck.RecheckIfDue(retrieved.Key, retrieved.Record);
                }
                return;
            }
        }
        else if (name is not null && directory.Find(name) is { Disabled: false } user)
        {
            // Bound to the account's credentials and identity: a new password hash, or another account that took the
            // name, ends the session (the directory's reload has most likely ended it in the store already).
            if (!AccountStamp.Holds(principal!, user))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                Log.SessionEndedByCredentialChange(logger, name, ClientAddress.Of(context.HttpContext));
                return;
            }
            // The directory is the truth: an edit of the user's groups, email or name applies to their sessions at once
            // (a user taken out of "admin" loses admin routes on the next request, not when the session ends).
            if (!UserPrincipal.Matches(principal!, user))
            {
                context.ReplacePrincipal(UserPrincipal.Create(user, principal!.FindFirst(GatewayClaimTypes.SessionHandle)?.Value));
            }
            return;
        }
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        Log.SessionRevoked(logger, name ?? "-", ClientAddress.Of(context.HttpContext));
    }

    // The handler deletes the session only when it could read it; when the store did not answer, deleting just the
    // cookie would tell the person they are signed out while the session lives on. Fail instead (503, cookie kept).
    public override Task SigningOut(CookieSigningOutContext context) =>
        SessionStoreFailure.IsMarkedOn(context.HttpContext)
            ? throw new SessionStoreUnavailableException("The session cannot be ended: the session store did not answer.")
            : Task.CompletedTask;

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        var http = context.HttpContext;
        if (SessionStoreFailure.IsMarkedOn(http))
        {
            return GatewayResponses.StoreUnavailable(http);
        }
        var loginUrl = LoginUrl.For(http.Request, _options);
        if (IsBrowserNavigation(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = loginUrl;
            http.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }
        return GatewayResponses.Json(http, StatusCodes.Status401Unauthorized,
            new GatewayError("unauthenticated", "Sign in first.", loginUrl));
    }

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) =>
        GatewayResponses.Json(context.HttpContext, StatusCodes.Status403Forbidden,
            new GatewayError("forbidden", "Your account may not use this resource."));

    // Sign-in and sign-out choose their own validated redirect; never follow the handler's own.
    public override Task RedirectToReturnUrl(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = context.RedirectUri;
        return Task.CompletedTask;
    }

    /// <summary>A person's browser asking for a page: GET or HEAD that accepts HTML and is not an XHR.</summary>
    internal static bool IsBrowserNavigation(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
        && !string.Equals(request.Headers.XRequestedWith, "XMLHttpRequest", StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(2101, LogLevel.Warning, "Audit: session revoked for {User} from {ClientAddress}: the user is removed or disabled")]
        public static partial void SessionRevoked(ILogger logger, string user, string clientAddress);

        [LoggerMessage(2102, LogLevel.Warning, "Audit: session revoked for {User} from {ClientAddress}: the account's password or identity changed")]
        public static partial void SessionEndedByCredentialChange(ILogger logger, string user, string clientAddress);
    }
}
