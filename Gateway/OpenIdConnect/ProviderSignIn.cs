using System.Security.Claims;
using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Login;
using Gateway.Metrics;
using Gateway.Pages;
using Gateway.Sessions;
using Gateway.TrustedProxies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.OpenIdConnect;

/// <summary>
/// What the gateway adds to the framework's OpenID Connect handler for one provider. The handler does the protocol
/// (code flow with PKCE, state, nonce, discovery, ID token and userinfo validation); this class turns a validated
/// ticket into a gateway session (the same session cookie and store as a password sign-in), refuses the users the
/// settings exclude, and turns every failure into a short page and an audit line.
/// </summary>
internal sealed partial class ProviderSignIn(
    OpenIdConnectProvider provider,
    UserDirectory directory,
    ReturnUrlValidator returnUrls,
    SsoOptions sso,
    GatewayMetrics metrics,
    ILogger<ProviderSignIn> logger)
{
    private const int MaxClaimLength = 256;
    private const int MaxGroups = 256;

    public OpenIdConnectEvents CreateEvents() => new()
    {
        OnRedirectToIdentityProvider = RedirectToProvider,
        OnTicketReceived = TicketReceived,
        OnRemoteFailure = RemoteFailure,
        OnAccessDenied = AccessDenied,
        OnRedirectToIdentityProviderForSignOut = RedirectToProviderForSignOut,
        OnSignedOutCallbackRedirect = SignedOutCallback,
    };

    private Task RedirectToProvider(RedirectContext context)
    {
        // The handler would build the redirect URI from the request's host; the login endpoint has already moved the
        // browser to the login host, so this is the one registered at the provider.
        context.ProtocolMessage.RedirectUri = AbsoluteOnThisHost(context.Request, provider.CallbackPath);
        return Task.CompletedTask;
    }

    private async Task TicketReceived(TicketReceivedContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        var claims = context.Principal!;
        var client = ClientAddress.Of(http);
        if (!TryReadUser(claims, out var user, out var refusal))
        {
            Log.SignInRefused(logger, provider.Name, Bounded(user ?? "-"), client, refusal);
            metrics.SignInRefused(GatewayMetrics.Provider, refusal);
            await Page(http, StatusCodes.Status403Forbidden, "Sign-in refused", refusal switch
            {
                "no-user-claim" => $"{provider.DisplayName} did not say who you are (no {provider.Settings.EffectiveUserClaim} claim), so you cannot sign in here.",
                "local-account-name" => "Your name at " + provider.DisplayName + " belongs to an account of this site, so you cannot sign in with it here. Ask the site's administrators.",
                _ => "Your account at " + provider.DisplayName + " may not sign in to this site.",
            });
            return;
        }

        var groups = ReadGroups(claims);
        var principal = UserPrincipal.FromProvider(
            UserPrincipal.Create(user, Claim(claims, provider.Settings.EmailClaim) ?? "", Claim(claims, provider.Settings.NameClaim) ?? "", groups, null),
            provider.Name, Claim(claims, "sid") is { } sid ? SessionRecord.HashProviderSessionId(sid) : null, Claim(claims, "sub"));
        var returnUrl = returnUrls.Validate(context.ReturnUri, http.Request.Host.Value);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { RedirectUri = returnUrl });
        Log.SignedIn(logger, user, client, provider.Name);
        metrics.SignInSucceeded(GatewayMetrics.Provider);
    }

    private bool TryReadUser(ClaimsPrincipal claims, out string user, out string refusal)
    {
        var settings = provider.Settings;
        var name = Claim(claims, settings.EffectiveUserClaim) ?? (string.IsNullOrEmpty(settings.UserClaim) ? Claim(claims, "sub") : null);
        user = settings.UserPrefix + name;
        refusal = "";
        if (string.IsNullOrWhiteSpace(name))
        {
            refusal = "no-user-claim";
            return false;
        }
        if (settings.AllowedGroups.Count > 0 && !ReadGroups(claims).Intersect(settings.AllowedGroups, StringComparer.Ordinal).Any())
        {
            refusal = "not-in-allowed-groups";
            return false;
        }
        // A name is either a users.json account or a provider's user, never both: otherwise a provider account could
        // pass every policy and backend check that names the local user (see README).
        if (directory.Find(user) is not null)
        {
            refusal = "local-account-name";
            return false;
        }
        return true;
    }

    /// <summary>The groups claim: one claim per group (a JSON array) or one claim holding a string.</summary>
    private string[] ReadGroups(ClaimsPrincipal claims) =>
        claims.FindAll(provider.Settings.GroupsClaim)
            .Select(c => c.Value)
            .Where(g => g.Length is > 0 and <= MaxClaimLength && !g.Any(char.IsControl))
            .Distinct(StringComparer.Ordinal)
            .Take(MaxGroups)
            .ToArray();

    private static string? Claim(ClaimsPrincipal claims, string type) =>
        claims.FindFirst(type)?.Value is { Length: > 0 and <= MaxClaimLength } value && !value.Any(char.IsControl) ? value : null;

    private async Task RemoteFailure(RemoteFailureContext context)
    {
        context.HandleResponse();
        var (status, kind) = Classify(context.Failure);
        Log.SignInFailed(logger, provider.Name, ClientAddress.Of(context.HttpContext), kind, context.Failure?.GetType().Name ?? "-");
        metrics.SignInFailed(GatewayMetrics.Provider, kind);
        await Page(context.HttpContext, status, status == StatusCodes.Status503ServiceUnavailable ? "Sign-in provider unavailable" : "Sign-in failed",
            kind switch
            {
                "bad-state" => "This sign-in link expired or was not started here. Please start again.",
                "access-denied" => $"{provider.DisplayName} did not sign you in.",
                "provider-unreachable" => $"{provider.DisplayName} cannot be reached right now. Try again shortly, or sign in another way.",
                _ => $"The answer from {provider.DisplayName} could not be trusted, so you are not signed in. Please start again.",
            });
    }

    private Task AccessDenied(AccessDeniedContext context)
    {
        context.HandleResponse();
        Log.SignInFailed(logger, provider.Name, ClientAddress.Of(context.HttpContext), "access-denied", "-");
        metrics.SignInFailed(GatewayMetrics.Provider, "access-denied");
        return Page(context.HttpContext, StatusCodes.Status401Unauthorized, "Sign-in failed", $"{provider.DisplayName} did not sign you in.");
    }

    /// <summary>The status and the reason kind (for the audit line) of a failed callback.</summary>
    internal static (int Status, string Kind) Classify(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException or TaskCanceledException or TimeoutException:
                    return (StatusCodes.Status503ServiceUnavailable, "provider-unreachable");
                case SecurityTokenInvalidAudienceException:
                    return (StatusCodes.Status401Unauthorized, "wrong-audience");
                case SecurityTokenInvalidIssuerException:
                    return (StatusCodes.Status401Unauthorized, "wrong-issuer");
                case SecurityTokenExpiredException or SecurityTokenNotYetValidException or SecurityTokenNoExpirationException:
                    return (StatusCodes.Status401Unauthorized, "expired");
                case SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException:
                    return (StatusCodes.Status401Unauthorized, "bad-signature");
                case OpenIdConnectProtocolInvalidNonceException:
                    return (StatusCodes.Status401Unauthorized, "bad-nonce");
                case OpenIdConnectProtocolException when Equals(e.Data["error"], "access_denied"):
                    return (StatusCodes.Status401Unauthorized, "access-denied");
                case OpenIdConnectProtocolException when e.Data["error"] is not null:
                    return (StatusCodes.Status401Unauthorized, "provider-error");
                case SecurityTokenException or OpenIdConnectProtocolException:
                    return (StatusCodes.Status401Unauthorized, "invalid-token");
            }
        }
        // "Correlation failed.", "The oauth state was missing or invalid." and other malformed callbacks.
        return (StatusCodes.Status400BadRequest, "bad-state");
    }

    private Task RedirectToProviderForSignOut(RedirectContext context)
    {
        // No ID token is kept (see README), so the provider learns the client from client_id instead of id_token_hint.
        context.ProtocolMessage.ClientId = provider.Settings.ClientId;
        context.ProtocolMessage.PostLogoutRedirectUri = AbsoluteOnLoginHost(context.Request, provider.SignedOutPath);
        return Task.CompletedTask;
    }

    private Task SignedOutCallback(RemoteSignOutContext context)
    {
        context.HandleResponse();
        var target = returnUrls.TryValidate(context.Properties?.RedirectUri, context.Request.Host.Value, out var safe)
            ? safe
            : sso.PathPrefix + "/login";
        context.Response.Redirect(target);
        return Task.CompletedTask;
    }

    private static string AbsoluteOnThisHost(HttpRequest request, string path) =>
        $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}{path}";

    private string AbsoluteOnLoginHost(HttpRequest request, string path) =>
        $"{request.Scheme}://{LoginUrl.LoginHostFor(request, sso)}{request.PathBase.ToUriComponent()}{path}";

    private static string Bounded(string value) => value.Length <= 128 ? value : value[..128] + "…";

    private Task Page(HttpContext context, int status, string title, string message) =>
        HtmlPage.WriteAsync(context, status, LoginPages.Message(title, message, "Back to sign-in", sso.PathPrefix + "/login"));

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.OpenIdConnect.SignedIn, LogLevel.Information, "Audit: sign-in succeeded for {User} from {ClientAddress} at provider {Provider}")]
        public static partial void SignedIn(ILogger logger, string user, string clientAddress, string provider);

        [LoggerMessage(GatewayEventIds.OpenIdConnect.SignInFailed, LogLevel.Warning, "Audit: sign-in at provider {Provider} failed from {ClientAddress}: {FailureReason} ({FailureType})")]
        public static partial void SignInFailed(ILogger logger, string provider, string clientAddress, string failureReason, string failureType);

        [LoggerMessage(GatewayEventIds.OpenIdConnect.SignInRefused, LogLevel.Warning, "Audit: sign-in at provider {Provider} refused for {User} from {ClientAddress}: {FailureReason}")]
        public static partial void SignInRefused(ILogger logger, string provider, string user, string clientAddress, string failureReason);
    }
}
