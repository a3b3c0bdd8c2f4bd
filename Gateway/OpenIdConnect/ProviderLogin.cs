using Gateway.Configuration;
using Gateway.Login;
using Gateway.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gateway.OpenIdConnect;

/// <summary>
/// <c>GET {PathPrefix}/oidc/{name}/login?returnUrl=U</c>: moves the browser to the login host (so that the redirect
/// URI registered at the provider is the only one), then hands it to the provider (302). When the provider cannot be
/// reached (its discovery document does not load), a 503 page says so; nothing else is affected.
/// </summary>
internal sealed partial class ProviderLogin(ReturnUrlValidator returnUrls, IOptions<SsoOptions> options, ILogger<ProviderLogin> logger)
{
    private readonly SsoOptions _sso = options.Value;

    public async Task StartAsync(HttpContext context, OpenIdConnectProvider provider)
    {
        var request = context.Request;
        var returnUrl = returnUrls.Validate(request.Query["returnUrl"], request.Host.Value);
        var loginHost = LoginUrl.LoginHostFor(request, _sso);
        if (!string.Equals(loginHost, request.Host.ToUriComponent(), StringComparison.OrdinalIgnoreCase))
        {
            // A path means "on the host the person came from", which the login host is not.
            var absolute = returnUrl.StartsWith('/') ? $"{request.Scheme}://{request.Host.ToUriComponent()}{returnUrl}" : returnUrl;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Redirect($"{request.Scheme}://{loginHost}{provider.LoginPath}?returnUrl={Uri.EscapeDataString(absolute)}");
            return;
        }

        try
        {
            await context.ChallengeAsync(provider.Scheme, new AuthenticationProperties { RedirectUri = returnUrl });
        }
        catch (OpenIdConnectProtocolException ex) when (!context.Response.HasStarted)
        {
            // The provider refused the pushed authorization request (e.g. a redirect URI it does not know): a
            // configuration mismatch between the two sides, which the person cannot fix.
            Log.ProviderRefused(logger, provider.Name, ex.Data["error"] as string ?? "-", ex.Data["error_description"] as string ?? "-");
            context.Response.Clear();
            await HtmlPage.WriteAsync(context, StatusCodes.Status502BadGateway, LoginPages.Message(
                "Sign-in provider refused",
                $"{provider.DisplayName} refused to start the sign-in: its settings for this site do not match the site's. Please tell the site's administrators.",
                "Back to sign-in", $"{_sso.PathPrefix}/login?returnUrl={Uri.EscapeDataString(returnUrl)}"));
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException
            && !context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            Log.ProviderUnreachable(logger, provider.Name, ex.GetType().Name);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = "30";
            await HtmlPage.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LoginPages.Message(
                "Sign-in provider unavailable",
                $"{provider.DisplayName} cannot be reached right now. Try again shortly, or sign in another way.",
                "Back to sign-in", $"{_sso.PathPrefix}/login?returnUrl={Uri.EscapeDataString(returnUrl)}"));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.OpenIdConnect.ProviderRefused, LogLevel.Error, "Sign-in at provider {Provider} refused by the provider: {ProviderError} ({ProviderErrorDescription}); check the client registered there (redirect URIs, client id and secret)")]
        public static partial void ProviderRefused(ILogger logger, string provider, string providerError, string providerErrorDescription);

        [LoggerMessage(GatewayEventIds.OpenIdConnect.ProviderUnreachable, LogLevel.Warning, "Sign-in at provider {Provider} could not start: its discovery document did not load ({Fault})")]
        public static partial void ProviderUnreachable(ILogger logger, string provider, string fault);
    }
}
