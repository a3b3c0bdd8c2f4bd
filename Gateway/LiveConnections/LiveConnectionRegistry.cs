using System.Collections.Concurrent;
using Gateway.Sessions;

namespace Gateway.LiveConnections;

/// <summary>
/// The proxied WebSockets and server-sent-event streams this instance holds, by session. A session that ends (a
/// revocation this instance hears of, or a re-check against the store that finds it gone or expired) has its
/// connections aborted; the client sees the connection close, and YARP closes the backend side.
/// </summary>
internal sealed partial class LiveConnectionRegistry(ISessionStore store, TimeProvider time, ILogger<LiveConnectionRegistry> logger)
{
    private readonly ConcurrentDictionary<HttpContext, LiveConnection> _connections = new();

    public int Count => _connections.Count;

    /// <summary>
    /// How often a connection is checked against the store at the latest (besides when its session's known end comes):
    /// set by <see cref="LiveConnectionSweeper"/>, zero (every sweep) until then.
    /// </summary>
    public TimeSpan RecheckEvery { get; set; }

    public void Add(HttpContext context, SessionKey key, DateTimeOffset endsAt) =>
        _connections[context] = new LiveConnection(key, NextCheck(time.GetUtcNow(), endsAt));

    private DateTimeOffset NextCheck(DateTimeOffset now, DateTimeOffset endsAt) =>
        now + RecheckEvery < endsAt ? now + RecheckEvery : endsAt;

    public void Remove(HttpContext context) => _connections.TryRemove(context, out _);

    /// <summary>Aborts every connection of the session whose store key is <paramref name="keyValue"/>.</summary>
    public void End(string keyValue)
    {
        foreach (var (context, connection) in _connections)
        {
            if (connection.Key.Value == keyValue)
            {
                Abort(context, connection, "ended");
            }
        }
    }

    /// <summary>Makes every connection due for a re-check at the next sweep (revocations may have been missed).</summary>
    public void RecheckAll()
    {
        foreach (var connection in _connections.Values)
        {
            connection.DueAt = DateTimeOffset.MinValue;
        }
    }

    /// <summary>
    /// Re-checks the connections that are due (their session's known end has come, or <see cref="RecheckEvery"/>
    /// passed) against the store, through the per-instance cache like any request. A store that does not answer keeps
    /// the connection until it does: it was admitted, and the next sweep decides.
    /// </summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (context, connection) in _connections)
        {
            if (connection.DueAt > now)
            {
                continue;
            }
            SessionRecord? record;
            try
            {
                record = await store.GetAsync(connection.Key, cancellationToken);
            }
            catch (SessionStoreUnavailableException)
            {
                continue;
            }
            if (record is null || record.IsExpiredAt(now))
            {
                Abort(context, connection, "expired or gone");
                continue;
            }
            connection.DueAt = NextCheck(now, record.EndsAt);
        }
    }

    private void Abort(HttpContext context, LiveConnection connection, string why)
    {
        if (_connections.TryRemove(context, out _))
        {
            Log.Closed(logger, connection.Key.Handle, why);
            context.Abort();
        }
    }

    private sealed class LiveConnection(SessionKey key, DateTimeOffset dueAt)
    {
        public SessionKey Key { get; } = key;

        public DateTimeOffset DueAt { get; set; } = dueAt;
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.LiveConnections.Closed, LogLevel.Information, "Live connection of session {SessionHandle} closed: the session {Why}")]
        public static partial void Closed(ILogger logger, string sessionHandle, string why);
    }
}
