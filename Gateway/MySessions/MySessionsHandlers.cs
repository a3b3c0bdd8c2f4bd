using System.Globalization;
using System.Security.Claims;
using Gateway.Admin;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Errors;
using Gateway.Identity;
using Gateway.Login;
using Gateway.Metrics;
using Gateway.Pages;
using Gateway.Sessions;
using Gateway.TrustedProxies;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.MySessions;

/// <summary>
/// "My sessions": a signed-in person lists their own sessions and ends one, or all but the current one. Only ever
/// their own: the list is read from the store by their name and kept to sessions of the same origin (the user
/// directory, or the same provider and subject), and a session is ended by the key found in that list, never by a
/// handle looked up on its own. Sessions are shown by handle, never by id or store key. Ending one goes through the
/// store's delete, which every instance hears about at once (the pub/sub invalidation).
/// </summary>
internal sealed partial class MySessionsHandlers(
    ISessionStore store,
    IAntiforgery antiforgery,
    TimeProvider time,
    IOptions<SsoOptions> options,
    GatewayMetrics metrics,
    ILogger<MySessionsHandlers> logger)
{

    private readonly MySessionsPaths _paths = new(options.Value.PathPrefix);
    private readonly SsoOptions _options = options.Value;

    public async Task<IResult> ShowAsync(HttpContext context)
    {
        var user = context.User;
        var current = CurrentHandle(user);
        var sessions = (await OwnSessionsAsync(user, context.RequestAborted))
            .OrderByDescending(s => s.Key.Handle == current)
            .ThenByDescending(s => s.Record.LastSeenAt)
            .Select(s => View(s, current))
            .ToList();
        var name = user.Identity!.Name!;
        if (WantsJson(context.Request))
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new OwnSessionsView(name, sessions), MySessionsJsonContext.Default.OwnSessionsView);
        }
        return Page(context, StatusCodes.Status200OK, MySessionsPage.Render(_paths, name, sessions,
            antiforgery.GetAndStoreTokens(context), time.GetUtcNow(), Notice(context.Request)));
    }

    public async Task<IResult> EndAsync(HttpContext context)
    {
        var (form, refusal) = await CheckPostAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }
        var handle = form!["handle"].ToString();
        var user = context.User;
        var target = SessionKey.IsWellFormedHandle(handle)
            ? (await OwnSessionsAsync(user, context.RequestAborted)).FirstOrDefault(s => string.Equals(s.Key.Handle, handle, StringComparison.Ordinal))
            : null;
        if (target is null)
        {
            // Someone else's session, an ended one or made-up text: the same answer, and nothing is ended.
            Log.NotOwnSession(logger, user.Identity!.Name!, SessionKey.IsWellFormedHandle(handle) ? handle : "-", ClientAddress.Of(context));
            return Refuse(context, StatusCodes.Status404NotFound, "not_found", "You have no live session with this handle.");
        }
        if (target.Key.Handle == CurrentHandle(user))
        {
            // Ending the session this request came with is signing out: the cookie goes too.
            await context.SignOutAsync();
            metrics.SessionsEnded(GatewayMetrics.SignOut);
            Log.EndedOwnSession(logger, target.Record.User, target.Key.Handle, ClientAddress.Of(context));
            return Done(context, [target.Key.Handle], signedOut: true);
        }
        await store.DeleteAsync(target.Key, context.RequestAborted);
        metrics.SessionsEnded(GatewayMetrics.Revoked);
        Log.EndedOwnSession(logger, target.Record.User, target.Key.Handle, ClientAddress.Of(context));
        return Done(context, [target.Key.Handle], signedOut: false);
    }

    public async Task<IResult> EndOthersAsync(HttpContext context)
    {
        var (_, refusal) = await CheckPostAsync(context);
        if (refusal is not null)
        {
            return refusal;
        }
        var user = context.User;
        var current = CurrentHandle(user);
        var others = (await OwnSessionsAsync(user, context.RequestAborted)).Where(s => s.Key.Handle != current).ToList();
        foreach (var session in others)
        {
            await store.DeleteAsync(session.Key, context.RequestAborted);
            metrics.SessionsEnded(GatewayMetrics.Revoked);
            Log.EndedOwnSession(logger, session.Record.User, session.Key.Handle, ClientAddress.Of(context));
        }
        Log.EndedOtherSessions(logger, user.Identity!.Name!, others.Count, ClientAddress.Of(context));
        return Done(context, others.Select(s => s.Key.Handle).ToList(), signedOut: false);
    }

    /// <summary>
    /// The page's paths on a host that is not <c>Sso:LoginHost</c> (when one is set), and any other method or path
    /// under it: a browser navigating to the page is sent to the login host, everything else is 404 (never forwarded).
    /// </summary>
    public IResult Elsewhere(HttpContext context)
    {
        var request = context.Request;
        if (!string.IsNullOrWhiteSpace(_options.LoginHost)
            && SessionCookieEvents.IsBrowserNavigation(request)
            && string.Equals(request.Path.Value, _paths.Page, StringComparison.OrdinalIgnoreCase)
            && !IsLoginHost(request))
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Redirect($"{request.Scheme}://{LoginUrl.LoginHostFor(request, _options)}{request.PathBase.ToUriComponent()}{_paths.Page}");
        }
        return GatewayResponses.Result(StatusCodes.Status404NotFound, new GatewayError("not_found", "Not found."));
    }

    private bool IsLoginHost(HttpRequest request) =>
        string.Equals(request.Host.Host, HostString.FromUriComponent(_options.LoginHost!.Trim()).Host, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The person's live sessions. The store lists by name (case-insensitively, as names match); a provider's user
    /// sees only sessions from the same provider and subject, so two providers' users who happen to share a name
    /// never see or end each other's sessions, nor those of a directory account.
    /// </summary>
    private async Task<List<StoredSession>> OwnSessionsAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var provider = UserPrincipal.ProviderOf(user);
        var subject = user.FindFirst(GatewayClaimTypes.ProviderSubject)?.Value;
        var sessions = await store.ListByUserAsync(user.Identity!.Name!, cancellationToken);
        return sessions.Where(s => string.Equals(s.Record.Provider, provider, StringComparison.OrdinalIgnoreCase)
                && (provider is null || string.Equals(s.Record.ProviderSubject, subject, StringComparison.Ordinal)))
            .ToList();
    }

    private static string? CurrentHandle(ClaimsPrincipal user) => user.FindFirst(GatewayClaimTypes.SessionHandle)?.Value;

    private static OwnSessionView View(StoredSession session, string? current)
    {
        var record = session.Record;
        var summary = UserAgentSummary.Of(record.UserAgent);
        return new OwnSessionView(session.Key.Handle, session.Key.Handle == current, summary.Device, summary.Browser,
            record.UserAgent, record.ClientAddress, record.CreatedAt, record.LastSeenAt, record.EndsAt);
    }

    /// <summary>The CSRF rules of the admin API (a foreign <c>Origin</c> or <c>Sec-Fetch-Site</c>: 403), then a form with a valid antiforgery token (else 400).</summary>
    private async Task<(IFormCollection? Form, IResult? Refusal)> CheckPostAsync(HttpContext context)
    {
        if (SameOriginOnly.IsForeign(context.Request))
        {
            return (null, Refuse(context, StatusCodes.Status403Forbidden, "forbidden", "Requests to end sessions must come from this page."));
        }
        var form = await SmallForm.ReadAsync(context);
        if (form is null || !await antiforgery.IsRequestValidAsync(context))
        {
            return (null, Refuse(context, StatusCodes.Status400BadRequest, "bad_request", "The form expired or was not sent by this site. Please try again."));
        }
        return (form, null);
    }

    private IResult Done(HttpContext context, IReadOnlyList<string> ended, bool signedOut)
    {
        if (WantsJson(context.Request))
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new EndedSessionsView(ended, signedOut), MySessionsJsonContext.Default.EndedSessionsView);
        }
        // Post/redirect/get: a reload of the page never posts again.
        context.Response.Headers.CacheControl = "no-store";
        var target = signedOut
            ? _options.PathPrefix + "/login"
            : _paths.Page + "?ended=" + ended.Count.ToString(CultureInfo.InvariantCulture);
        return new SeeOther(target);
    }

    private IResult Refuse(HttpContext context, int statusCode, string error, string message)
    {
        if (WantsJson(context.Request))
        {
            context.Response.Headers.CacheControl = "no-store";
            return GatewayResponses.Result(statusCode, new GatewayError(error, message));
        }
        var title = statusCode == StatusCodes.Status404NotFound ? "No such session" : "Please try again";
        return Page(context, statusCode, MySessionsPage.Message(title, message, "Back to your sessions", _paths.Page));
    }

    private static string? Notice(HttpRequest request) =>
        int.TryParse(request.Query["ended"], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count switch
            {
                0 => "There were no other sessions to end.",
                1 => "1 session ended.",
                < 1000 => $"{count} sessions ended.",
                _ => null,
            }
            : null;

    /// <summary>JSON when the client asks for it and not for HTML (a browser's Accept always names text/html).</summary>
    private static bool WantsJson(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)
            && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    private static IResult Page(HttpContext context, int statusCode, string html)
    {
        HtmlPage.SetHeaders(context.Response.Headers);
        // Not no-referrer: under it a browser sends "Origin: null" with the page's own form posts, which the CSRF
        // rule refuses. same-origin still sends nothing to any other origin.
        context.Response.Headers["Referrer-Policy"] = "same-origin";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }

    /// <summary>303: the browser follows a form's answer with a GET.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.MySessions.EndedOwnSession, LogLevel.Information, "Audit: session {SessionHandle} of {User} ended by the user from {ClientAddress}")]
        public static partial void EndedOwnSession(ILogger logger, string user, string sessionHandle, string clientAddress);

        [LoggerMessage(GatewayEventIds.MySessions.EndedOtherSessions, LogLevel.Information, "Audit: {SessionCount} other sessions of {User} ended by the user from {ClientAddress}")]
        public static partial void EndedOtherSessions(ILogger logger, string user, int sessionCount, string clientAddress);

        [LoggerMessage(GatewayEventIds.MySessions.NotOwnSession, LogLevel.Warning, "Audit: {User} from {ClientAddress} asked to end session {SessionHandle}, which is not a live session of theirs; nothing ended")]
        public static partial void NotOwnSession(ILogger logger, string user, string sessionHandle, string clientAddress);
    }
}

/// <summary>The paths of "my sessions" under <c>Sso:PathPrefix</c>.</summary>
internal sealed record MySessionsPaths(string Prefix)
{
    public string Page => Prefix + "/sessions";
    public string End => Prefix + "/sessions/end";
    public string EndOthers => Prefix + "/sessions/end-others";
    public string SignOut => Prefix + "/logout";
}
