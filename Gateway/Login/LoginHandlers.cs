using System.Globalization;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>Sign-in and sign-out (SPEC §4): forms on GET, antiforgery-checked POSTs, validated redirects.</summary>
internal sealed partial class LoginHandlers(
    IAntiforgery antiforgery,
    PasswordVerifier verifier,
    UserDirectory directory,
    SignInLockout lockout,
    PasswordCheckLimiter passwordChecks,
    ReturnUrlValidator returnUrls,
    IOptions<SsoOptions> options,
    ILogger<LoginHandlers> logger)
{
    private const string WrongCredentials = "Wrong username or password.";
    private const string BusyMessage = "Many people are signing in right now. Please try again in a few seconds.";
    private const string BusyRetryAfterSeconds = "2";
    private const int MaxFormBytes = 16 * 1024;
    private const int MaxAuditNameLength = 128;

    private readonly string _loginPath = options.Value.PathPrefix + "/login";
    private readonly string _logoutPath = options.Value.PathPrefix + "/logout";

    public Task<IResult> ShowSignIn(HttpContext context)
    {
        var returnUrl = returnUrls.Validate(context.Request.Query["returnUrl"], context.Request.Host.Value);
        if (context.User.Identity?.IsAuthenticated == true)
        {
            return Task.FromResult(Results.Redirect(returnUrl));
        }
        return Task.FromResult(Page(context, StatusCodes.Status200OK,
            LoginPages.SignIn(_loginPath, returnUrl, antiforgery.GetAndStoreTokens(context))));
    }

    public async Task<IResult> SignIn(HttpContext context)
    {
        var form = await ReadFormAsync(context);
        if (form is null || !await antiforgery.IsRequestValidAsync(context))
        {
            return Page(context, StatusCodes.Status400BadRequest, LoginPages.Message(
                "Please try again", "The sign-in form expired or was not sent by this site.", "Back to sign-in", _loginPath));
        }

        var returnUrl = returnUrls.Validate(form["returnUrl"], context.Request.Host.Value);
        var username = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        var client = ClientAddress.Of(context);

        var attempt = await lockout.BeginAsync(username, client, context.RequestAborted);
        if (attempt.IsLockedOut)
        {
            Log.LockedOut(logger, AuditName(username), client, attempt.LockedBy, attempt.RetryAfterSeconds);
            context.Response.Headers.RetryAfter = attempt.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Page(context, StatusCodes.Status429TooManyRequests, LoginPages.SignIn(
                _loginPath, returnUrl, antiforgery.GetAndStoreTokens(context), username, LockedOutMessage(attempt.RetryAfter)));
        }

        UserAccount? user = null;
        if (username.Length > 0 && password.Length > 0)
        {
            using var lease = await passwordChecks.AcquireAsync(context.RequestAborted);
            if (!lease.IsAcquired)
            {
                // Not the person's fault: the attempt is taken back, and they may simply try again.
                await lockout.NotAttemptedAsync(attempt, context.RequestAborted);
                Log.SignInBusy(logger, AuditName(username), client);
                context.Response.Headers.RetryAfter = BusyRetryAfterSeconds;
                return Page(context, StatusCodes.Status503ServiceUnavailable, LoginPages.SignIn(
                    _loginPath, returnUrl, antiforgery.GetAndStoreTokens(context), username, BusyMessage));
            }
            user = verifier.Verify(username, password);
        }
        if (user is null)
        {
            // The reason is for the audit log only: the response is the same whatever went wrong (SPEC §9).
            Log.SignInFailed(logger, AuditName(username), client, FailureKind(username, password));
            return Page(context, StatusCodes.Status401Unauthorized,
                LoginPages.SignIn(_loginPath, returnUrl, antiforgery.GetAndStoreTokens(context), username, WrongCredentials));
        }

        await lockout.SucceededAsync(attempt, context.RequestAborted);
        await context.SignInAsync(UserPrincipal.Create(user), new AuthenticationProperties { RedirectUri = returnUrl });
        Log.SignedIn(logger, user.Username, client);
        return Results.Empty;
    }

    public IResult ShowSignOut(HttpContext context)
    {
        return Page(context, StatusCodes.Status200OK, LoginPages.SignOut(
            _logoutPath,
            returnUrls.TryValidate(context.Request.Query["returnUrl"], context.Request.Host.Value, out var returnUrl) ? returnUrl : null,
            antiforgery.GetAndStoreTokens(context),
            context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null));
    }

    public async Task<IResult> SignOut(HttpContext context)
    {
        var form = await ReadFormAsync(context);
        var signedIn = context.User.Identity?.IsAuthenticated == true;
        if (form is null || !await antiforgery.IsRequestValidAsync(context))
        {
            // Someone already signed out (e.g. the session expired while the page was open) has nothing to lose.
            return signedIn
                ? Page(context, StatusCodes.Status400BadRequest, LoginPages.Message(
                    "Please try again", "The sign-out form expired or was not sent by this site.", "Back to sign-out", _logoutPath))
                : Results.Redirect(_loginPath);
        }

        var target = returnUrls.TryValidate(form["returnUrl"], context.Request.Host.Value, out var returnUrl) ? returnUrl : _loginPath;
        await context.SignOutAsync(new AuthenticationProperties { RedirectUri = target });
        if (signedIn)
        {
            Log.SignedOut(logger, context.User.Identity!.Name!, ClientAddress.Of(context),
                context.User.FindFirst(GatewayClaimTypes.SessionHandle)?.Value ?? "-");
        }
        return Results.Empty;
    }

    private string FailureKind(string username, string password) =>
        username.Length == 0 || password.Length == 0 ? "missing-credentials"
        : directory.Find(username) switch
        {
            null => "unknown-user",
            { Disabled: true } => "disabled",
            _ => "wrong-password",
        };

    /// <summary>What was typed as a username, bounded so that a huge field cannot flood the log.</summary>
    private static string AuditName(string username) =>
        username.Length == 0 ? "-" : username.Length <= MaxAuditNameLength ? username : username[..MaxAuditNameLength] + "…";

    private static string LockedOutMessage(TimeSpan retryAfter) =>
        retryAfter <= TimeSpan.FromSeconds(90)
            ? $"Too many failed sign-ins. Try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} seconds."
            : $"Too many failed sign-ins. Try again in {(int)Math.Ceiling(retryAfter.TotalMinutes)} minutes.";

    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }
        var bodySize = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = MaxFormBytes;
        }
        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or InvalidDataException or IOException)
        {
            return null;
        }
    }

    private static IResult Page(HttpContext context, int statusCode, string html)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Audit: sign-in succeeded for {User} from {ClientAddress}")]
        public static partial void SignedIn(ILogger logger, string user, string clientAddress);

        [LoggerMessage(3002, LogLevel.Warning, "Audit: sign-in failed for {User} from {ClientAddress}: {FailureReason}")]
        public static partial void SignInFailed(ILogger logger, string user, string clientAddress, string failureReason);

        [LoggerMessage(3003, LogLevel.Information, "Audit: signed out {User} from {ClientAddress}, session {SessionHandle}")]
        public static partial void SignedOut(ILogger logger, string user, string clientAddress, string sessionHandle);

        [LoggerMessage(3005, LogLevel.Warning, "Sign-in for {User} from {ClientAddress} not checked: too many password checks waiting (503)")]
        public static partial void SignInBusy(ILogger logger, string user, string clientAddress);

        [LoggerMessage(3004, LogLevel.Warning, "Audit: sign-in refused for {User} from {ClientAddress}: locked out by {LockedBy} for {RetryAfterSeconds} s")]
        public static partial void LockedOut(ILogger logger, string user, string clientAddress, LockoutReason lockedBy, int retryAfterSeconds);
    }
}
