using System.Text.Json;
using Gateway.Metrics;
using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.OpenIdConnect;

/// <summary>
/// <c>POST {PathPrefix}/oidc/{name}/backchannel-logout</c> (OpenID Connect Back-Channel Logout 1.0): the provider
/// posts a <c>logout_token</c>; every gateway session that came from the provider session it names (<c>sid</c>), or
/// from the subject when it names only <c>sub</c>, ends in the shared store and on every instance (the store's
/// invalidation message). The token is a JWT validated by <see cref="JsonWebTokenHandler"/> against the provider's
/// published keys, issuer and our client id; then the checks the specification adds (section 2.6): <c>iat</c>, the
/// <c>events</c> member, no <c>nonce</c>, a <c>sid</c> and/or <c>sub</c>, and a <c>jti</c> not seen before. Anything
/// else is 400 and changes nothing.
/// </summary>
internal sealed partial class BackChannelLogout(
    IOptionsMonitor<OpenIdConnectOptions> handlerOptions,
    ISessionStore store,
    ILogoutTokenReplayCache replays,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<BackChannelLogout> logger)
{
    public const string EventType = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>How old a logout token may be (by its <c>iat</c>); its <c>jti</c> is remembered that long.</summary>
    public static readonly TimeSpan MaxTokenAge = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
    private const int MaxBodyBytes = 16 * 1024;

    private readonly JsonWebTokenHandler _tokens = new() { MapInboundClaims = false };

    public async Task HandleAsync(HttpContext context, OpenIdConnectProvider provider)
    {
        context.Response.Headers.CacheControl = "no-store";
        var token = await ReadLogoutTokenAsync(context);
        if (token is null)
        {
            await RefuseAsync(context, provider, "missing-token", "The request must be a form with one logout_token.");
            return;
        }

        var options = handlerOptions.Get(provider.Scheme);
        TokenValidationResult result;
        try
        {
            result = await ValidateAsync(token, options, context.RequestAborted);
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // The provider may have rotated its keys since they were fetched: fetch once more, as the sign-in does.
                options.ConfigurationManager!.RequestRefresh();
                result = await ValidateAsync(token, options, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException
            && !context.RequestAborted.IsCancellationRequested)
        {
            Log.ProviderUnreachable(logger, provider.Name, ex.GetType().Name);
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "The provider's keys could not be loaded.");
            return;
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            await RefuseAsync(context, provider, InvalidKind(result.Exception), "The logout token is not valid.");
            return;
        }
        if (CheckLogoutClaims(jwt) is { } kind)
        {
            await RefuseAsync(context, provider, kind, "The logout token is not a valid back-channel logout token.");
            return;
        }
        // Sessions keep a hash of the provider's sid (SessionRecord.ProviderSessionId).
        var sessionId = jwt.TryGetPayloadValue<string>("sid", out var sid) && !string.IsNullOrEmpty(sid) ? SessionRecord.HashProviderSessionId(sid) : null;
        var subject = string.IsNullOrEmpty(jwt.Subject) ? null : jwt.Subject;
        if (!await replays.TryAddAsync(provider.Name, jwt.Id, MaxTokenAge + ClockSkew * 2, context.RequestAborted))
        {
            await RefuseAsync(context, provider, "replayed", "This logout token was used before.");
            return;
        }

        var ended = await store.DeleteByProviderSessionAsync(provider.Name, sessionId, subject, context.RequestAborted);
        metrics.SessionsEnded(GatewayMetrics.Revoked, ended.Count);
        Log.LoggedOut(logger, provider.Name, ended.Count, string.Join(',', ended.Select(s => s.Record.User).Distinct()),
            string.Join(',', ended.Select(s => s.Key.Handle)));
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, OpenIdConnectOptions options, CancellationToken cancellationToken)
    {
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
        return await _tokens.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = options.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            RequireSignedTokens = true,
            // Back-Channel Logout 1.0 added exp late; older providers omit it. When present it is checked; the
            // token's age is bounded by iat below in any case.
            RequireExpirationTime = false,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
        });
    }

    /// <summary>Section 2.6 of the specification, after the JWT itself was validated; null when all hold.</summary>
    private string? CheckLogoutClaims(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var issuedAtSeconds))
        {
            return "no-iat";
        }
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(issuedAtSeconds);
        var now = time.GetUtcNow();
        if (issuedAt > now + ClockSkew || issuedAt < now - MaxTokenAge - ClockSkew)
        {
            return "iat-out-of-range";
        }
        if (!HasLogoutEvent(jwt))
        {
            return "no-logout-event";
        }
        if (jwt.TryGetPayloadValue<object>(JwtRegisteredClaimNames.Nonce, out _))
        {
            return "has-nonce";
        }
        if (string.IsNullOrEmpty(jwt.Subject) && !(jwt.TryGetPayloadValue<string>("sid", out var sid) && !string.IsNullOrEmpty(sid)))
        {
            return "no-sid-or-sub";
        }
        if (string.IsNullOrEmpty(jwt.Id))
        {
            return "no-jti";
        }
        return null;
    }

    /// <summary>The <c>events</c> claim is a JSON object with a member for the back-channel logout event, itself an object.</summary>
    private static bool HasLogoutEvent(JsonWebToken jwt)
    {
        if (!jwt.TryGetClaim("events", out var claim) || claim.ValueType != "JSON")
        {
            return false;
        }
        try
        {
            using var events = JsonDocument.Parse(claim.Value);
            return events.RootElement.ValueKind == JsonValueKind.Object
                && events.RootElement.TryGetProperty(EventType, out var logout)
                && logout.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string InvalidKind(Exception? exception) => exception switch
    {
        SecurityTokenInvalidAudienceException => "wrong-audience",
        SecurityTokenInvalidIssuerException => "wrong-issuer",
        SecurityTokenExpiredException or SecurityTokenNotYetValidException => "expired",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "bad-signature",
        SecurityTokenInvalidAlgorithmException => "bad-algorithm",
        SecurityTokenMalformedException => "malformed",
        _ => "invalid-token",
    };

    private static async Task<string?> ReadLogoutTokenAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = MaxBodyBytes;
        }
        try
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            return form["logout_token"] is [{ Length: > 0 } token] ? token : null;
        }
        catch (Exception ex) when (ex is BadHttpRequestException or InvalidDataException or IOException)
        {
            return null;
        }
    }

    private Task RefuseAsync(HttpContext context, OpenIdConnectProvider provider, string kind, string description)
    {
        Log.Refused(logger, provider.Name, kind);
        return WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", description);
    }

    // Only constant descriptions, so no escaping is needed.
    private static Task WriteErrorAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync($$"""{"error":"{{error}}","error_description":"{{description}}"}""");
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.OpenIdConnect.LoggedOut, LogLevel.Warning, "Audit: back-channel logout from provider {Provider} ended {Count} sessions of {Users}: {SessionHandles}")]
        public static partial void LoggedOut(ILogger logger, string provider, int count, string users, string sessionHandles);

        [LoggerMessage(GatewayEventIds.OpenIdConnect.LogoutRefused, LogLevel.Warning, "Audit: back-channel logout from provider {Provider} refused: {FailureReason}")]
        public static partial void Refused(ILogger logger, string provider, string failureReason);

        [LoggerMessage(GatewayEventIds.OpenIdConnect.LogoutProviderUnreachable, LogLevel.Warning, "Back-channel logout from provider {Provider} could not be checked: its keys did not load ({Fault})")]
        public static partial void ProviderUnreachable(ILogger logger, string provider, string fault);
    }
}
