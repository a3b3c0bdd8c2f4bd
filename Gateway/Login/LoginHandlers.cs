using System.Globalization;
using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Metrics;
using Gateway.Pages;
using Gateway.TrustedProxies;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>Sign-in and sign-out (SPEC §4): forms on GET, antiforgery-checked POSTs, validated redirects.</summary>
internal sealed partial class LoginHandlers(
    IAntiforgery antiforgery,
    AccountDirectories directories,
    SignInLockout lockout,
    PasswordCheckQueue passwordChecks,
    ReturnUrlValidator returnUrls,
    ExternalProviders providers,
    IOptions<SsoOptions> options,
    GatewayMetrics metrics,
    ILogger<LoginHandlers> logger)
{
    private const string WrongCredentials = "Wrong username or password.";
    private const string BusyMessage = "Many people are signing in right now. Please try again in a few seconds.";
    private const string BusyRetryAfterSeconds = "2";
    private const string DirectoryDownMessage = "Sign-in is unavailable right now: the account directory cannot be reached. Please try again shortly.";
    private const string DirectoryRetryAfterSeconds = "10";
    private const int MaxAuditNameLength = 128;

    private readonly string _loginPath = options.Value.PathPrefix + "/login";
    private readonly string _logoutPath = options.Value.PathPrefix + "/logout";

    // No directory that checks passwords (Sso:UsersFile "" and no LDAP or SQL) means people sign in at a provider
    // only: no password form, and the form's POST is refused.
    private readonly bool _passwordForm = directories.Any;

    public Task<IResult> ShowSignIn(HttpContext context)
    {
        var returnUrl = returnUrls.Validate(context.Request.Query["returnUrl"], context.Request.Host.Value);
        if (context.User.Identity?.IsAuthenticated == true)
        {
            return Task.FromResult(Results.Redirect(returnUrl));
        }
        if (!_passwordForm && providers.All is [var only])
        {
            // Nothing to choose: straight to the one provider.
            return Task.FromResult(Results.Redirect(ProviderLoginUrl(only, returnUrl)));
        }
        return Task.FromResult(Page(context, StatusCodes.Status200OK, SignInPage(context, returnUrl)));
    }

    private string SignInPage(HttpContext context, string returnUrl, string? username = null, string? error = null) =>
        LoginPages.SignIn(_loginPath, returnUrl, _passwordForm ? antiforgery.GetAndStoreTokens(context) : null, username, error,
            providers.All.Select(p => ("Sign in with " + p.DisplayName, ProviderLoginUrl(p, returnUrl))).ToArray());

    private static string ProviderLoginUrl(ExternalProvider provider, string returnUrl) =>
        provider.LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl);

    public async Task<IResult> SignIn(HttpContext context)
    {
        if (!_passwordForm)
        {
            return Page(context, StatusCodes.Status404NotFound, LoginPages.Message(
                "No password sign-in", "This site signs people in at their identity provider only.", "Back to sign-in", _loginPath));
        }
        var form = await SmallForm.ReadAsync(context);
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
            metrics.SignInLockedOut(LockedByTag(attempt.LockedBy));
            context.Response.Headers.RetryAfter = attempt.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Page(context, StatusCodes.Status429TooManyRequests, SignInPage(context, returnUrl, username, LockedOutMessage(attempt.RetryAfter)));
        }

        PasswordCheck? check = null;
        IAccountDirectory? source = null;
        if (username.Length > 0 && password.Length > 0)
        {
            using var lease = await passwordChecks.AcquireAsync(context.RequestAborted);
            if (!lease.IsAcquired)
            {
                // Not the person's fault: the attempt is taken back, and they may simply try again.
                await lockout.NotAttemptedAsync(attempt, context.RequestAborted);
                Log.SignInBusy(logger, AuditName(username), client);
                metrics.SignInUnavailable("busy");
                context.Response.Headers.RetryAfter = BusyRetryAfterSeconds;
                return Page(context, StatusCodes.Status503ServiceUnavailable, SignInPage(context, returnUrl, username, BusyMessage));
            }
            try
            {
                (source, check) = await passwordChecks.RunAsync(
                    () => directories.CheckPasswordAsync(username, password, context.RequestAborted), context.RequestAborted);
            }
            catch (DirectoryUnavailableException ex)
            {
                // Never a pass and never a 500: the person may try again, and the attempt does not count against them.
                await lockout.NotAttemptedAsync(attempt, context.RequestAborted);
                Log.DirectoryUnavailable(logger, AuditName(username), client, ex.Directory);
                metrics.SignInUnavailable("directory_unavailable");
                context.Response.Headers.RetryAfter = DirectoryRetryAfterSeconds;
                return Page(context, StatusCodes.Status503ServiceUnavailable, SignInPage(context, returnUrl, username, DirectoryDownMessage));
            }
        }
        if (check is not { Succeeded: true, Account: { } account })
        {
            // The reason is for the audit log only: the response is the same whatever went wrong (SPEC §9).
            var failure = FailureKind(username, password, check);
            Log.SignInFailed(logger, AuditName(username), client, failure);
            metrics.SignInFailed(GatewayMetrics.Password, failure);
            return Page(context, StatusCodes.Status401Unauthorized, SignInPage(context, returnUrl, username, WrongCredentials));
        }

        await lockout.SucceededAsync(attempt, context.RequestAborted);
        var principal = UserPrincipal.WithAccountStamp(
            UserPrincipal.Create(account.Username, account.Email, account.Name, account.Groups, sessionHandle: null), account.Stamp);
        if (source is not UsersFileAccounts)
        {
            UserPrincipal.FromDirectory(principal, source!.Kind);
        }
        await context.SignInAsync(principal, new AuthenticationProperties { RedirectUri = returnUrl });
        Log.SignedIn(logger, account.Username, client);
        metrics.SignInSucceeded(GatewayMetrics.Password);
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
        var form = await SmallForm.ReadAsync(context);
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
            metrics.SessionsEnded(GatewayMetrics.SignOut);
            Log.SignedOut(logger, context.User.Identity!.Name!, ClientAddress.Of(context),
                context.User.FindFirst(GatewayClaimTypes.SessionHandle)?.Value ?? "-");
            if (providers.Find(UserPrincipal.ProviderOf(context.User))?.SignOutScheme is { } providerSignOut)
            {
                // RP-initiated logout: the gateway session is already gone; the provider's handler now replaces the
                // redirect with one to the provider's end_session_endpoint, which comes back to the same target.
                try
                {
                    await context.SignOutAsync(providerSignOut, new AuthenticationProperties { RedirectUri = target });
                }
                catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
                {
                    // The provider cannot be reached (discovery failed): signed out here, sent to the target as usual.
                    Log.ProviderSignOutSkipped(logger, UserPrincipal.ProviderOf(context.User)!, ex.GetType().Name);
                }
            }
        }
        return Results.Empty;
    }

    private static string FailureKind(string username, string password, PasswordCheck? check) =>
        username.Length == 0 || password.Length == 0 ? "missing-credentials"
        : check?.Outcome switch
        {
            PasswordOutcome.Disabled => "disabled",
            PasswordOutcome.WrongPassword => "wrong-password",
            PasswordOutcome.UnsupportedHash => "unsupported-hash",
            _ => "unknown-user",
        };

    private static string LockedByTag(LockoutReason lockedBy) => lockedBy switch
    {
        LockoutReason.Username => "username",
        LockoutReason.Address => "address",
        _ => "username_and_address",
    };

    /// <summary>What was typed as a username, bounded so that a huge field cannot flood the log.</summary>
    private static string AuditName(string username) =>
        username.Length == 0 ? "-" : username.Length <= MaxAuditNameLength ? username : username[..MaxAuditNameLength] + "…";

    private static string LockedOutMessage(TimeSpan retryAfter) =>
        retryAfter <= TimeSpan.FromSeconds(90)
            ? $"Too many failed sign-ins. Try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} seconds."
            : $"Too many failed sign-ins. Try again in {(int)Math.Ceiling(retryAfter.TotalMinutes)} minutes.";

    private static IResult Page(HttpContext context, int statusCode, string html)
    {
        HtmlPage.SetHeaders(context.Response.Headers);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Login.SignedIn, LogLevel.Information, "Audit: sign-in succeeded for {User} from {ClientAddress}")]
        public static partial void SignedIn(ILogger logger, string user, string clientAddress);

        [LoggerMessage(GatewayEventIds.Login.SignInFailed, LogLevel.Warning, "Audit: sign-in failed for {User} from {ClientAddress}: {FailureReason}")]
        public static partial void SignInFailed(ILogger logger, string user, string clientAddress, string failureReason);

        [LoggerMessage(GatewayEventIds.Login.SignedOut, LogLevel.Information, "Audit: signed out {User} from {ClientAddress}, session {SessionHandle}")]
        public static partial void SignedOut(ILogger logger, string user, string clientAddress, string sessionHandle);

        [LoggerMessage(GatewayEventIds.Login.SignInBusy, LogLevel.Warning, "Sign-in for {User} from {ClientAddress} not checked: too many password checks waiting (503)")]
        public static partial void SignInBusy(ILogger logger, string user, string clientAddress);

        [LoggerMessage(GatewayEventIds.Login.ProviderSignOutSkipped, LogLevel.Warning, "Could not send the browser to provider {Provider} to sign out there too ({Fault}); the gateway session has ended")]
        public static partial void ProviderSignOutSkipped(ILogger logger, string provider, string fault);

        [LoggerMessage(GatewayEventIds.Login.DirectoryUnavailable, LogLevel.Warning, "Sign-in for {User} from {ClientAddress} not checked: the {Directory} directory did not answer (503)")]
        public static partial void DirectoryUnavailable(ILogger logger, string user, string clientAddress, string directory);

        [LoggerMessage(GatewayEventIds.Login.LockedOut, LogLevel.Warning, "Audit: sign-in refused for {User} from {ClientAddress}: locked out by {LockedBy} for {RetryAfterSeconds} s")]
        public static partial void LockedOut(ILogger logger, string user, string clientAddress, LockoutReason lockedBy, int retryAfterSeconds);
    }
}
