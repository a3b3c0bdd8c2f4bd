using System.Text.Json.Serialization;
using Gateway.Errors;
using Gateway.Metrics;
using Gateway.Sessions;
using Gateway.TrustedProxies;

namespace Gateway.Admin;

/// <summary>
/// The admin API's handlers. Sessions are shown by handle (a prefix of the store key), never by id, so nothing an
/// operator sees can be turned into a cookie. Every revocation is an audit event naming the operator.
/// A store fault surfaces as <see cref="SessionStoreUnavailableException"/>, which the gateway answers with 503.
/// </summary>
internal sealed partial class AdminHandlers(ISessionStore store, GatewayMetrics metrics, ILogger<AdminHandlers> logger)
{
    public async Task<IResult> ListAsync(string username, CancellationToken cancellationToken)
    {
        var sessions = await store.ListByUserAsync(username, cancellationToken);
        return Results.Json(new UserSessionsView(CanonicalName(username, sessions), sessions.Select(View).ToList()),
            AdminJsonContext.Default.UserSessionsView);
    }

    public async Task<IResult> EndUserSessionsAsync(string username, HttpContext context)
    {
        var ended = await store.DeleteByUserAsync(username, context.RequestAborted);
        metrics.SessionsEnded(GatewayMetrics.Revoked, ended.Count);
        var admin = AdminName(context);
        foreach (var session in ended)
        {
            Log.SessionEnded(logger, session.Record.User, session.Key.Handle, admin, ClientAddress.Of(context));
        }
        Log.UserSessionsEnded(logger, CanonicalName(username, ended), ended.Count, admin, ClientAddress.Of(context));
        return Results.Json(new RevocationView(CanonicalName(username, ended), ended.Select(s => s.Key.Handle).ToList()),
            AdminJsonContext.Default.RevocationView);
    }

    public async Task<IResult> EndSessionAsync(string handle, HttpContext context)
    {
        var ended = SessionKey.IsWellFormedHandle(handle) ? await store.DeleteByHandleAsync(handle, context.RequestAborted) : null;
        if (ended is null)
        {
            return GatewayResponses.Result(StatusCodes.Status404NotFound, new GatewayError("not_found", "No live session has this handle."));
        }
        metrics.SessionsEnded(GatewayMetrics.Revoked);
        Log.SessionEnded(logger, ended.Record.User, ended.Key.Handle, AdminName(context), ClientAddress.Of(context));
        return Results.Json(new RevocationView(ended.Record.User, [ended.Key.Handle]), AdminJsonContext.Default.RevocationView);
    }

    private static SessionView View(StoredSession session) => new(
        session.Key.Handle, session.Record.CreatedAt, session.Record.LastSeenAt, session.Record.ExpiresAt,
        session.Record.AbsoluteExpiresAt, session.Record.ClientAddress, session.Record.UserAgent);

    /// <summary>The name as written in the user directory when a session shows it, else as asked.</summary>
    private static string CanonicalName(string username, IReadOnlyList<StoredSession> sessions) =>
        sessions.Count > 0 ? sessions[0].Record.User : username;

    private static string AdminName(HttpContext context) => context.User.Identity?.Name ?? "-";

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Admin.SessionEnded, LogLevel.Warning, "Audit: session {SessionHandle} of {User} ended by admin {Admin} from {ClientAddress}")]
        public static partial void SessionEnded(ILogger logger, string user, string sessionHandle, string admin, string clientAddress);

        [LoggerMessage(GatewayEventIds.Admin.UserSessionsEnded, LogLevel.Warning, "Audit: all {SessionCount} sessions of {User} ended by admin {Admin} from {ClientAddress}")]
        public static partial void UserSessionsEnded(ILogger logger, string user, int sessionCount, string admin, string clientAddress);
    }
}

internal sealed record SessionView(
    [property: JsonPropertyName("handle")] string Handle,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("lastSeenAt")] DateTimeOffset LastSeenAt,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("absoluteExpiresAt")] DateTimeOffset AbsoluteExpiresAt,
    [property: JsonPropertyName("clientAddress")] string? ClientAddress,
    [property: JsonPropertyName("userAgent")] string? UserAgent);

internal sealed record UserSessionsView(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("sessions")] IReadOnlyList<SessionView> Sessions);

internal sealed record RevocationView(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("ended")] IReadOnlyList<string> Ended);

[JsonSerializable(typeof(UserSessionsView))]
[JsonSerializable(typeof(RevocationView))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
