using System.Diagnostics;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Metrics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Sessions in Redis through the one shared multiplexer (key names in <see cref="RedisSessionKeys"/>): a JSON
/// string per session, a handle index and a per-user index, each with a TTL. Every command and script touches
/// one key only, so the store works on a Redis Cluster whatever slots the keys fall in.
/// </summary>
internal sealed class RedisSessionStore(
    IConnectionMultiplexer redis,
    IOptions<SsoOptions> options,
    TimeProvider time,
    RedisStoreCircuit? circuit = null,
    GatewayMetrics? metrics = null) : ISessionStore
{
    private readonly RedisSessionKeys _keys = new(options.Value.RedisKeyPrefix);
    private readonly TimeSpan _timeout = options.Value.StoreTimeout;

    // Every command starts here, so none is even sent while Redis is known not to answer (see RedisStoreCircuit).
    private IDatabase Database => circuit is { IsOpen: true }
        ? throw new SessionStoreUnavailableException("The Redis session store is not answering; checking again in the background.")
        : redis.GetDatabase();

    // The indexes are written before the session itself and cleaned after it is deleted, so a live session is
    // always findable by an operator; an index entry left by a failed write is dropped when the user is listed.
    // Indexes last longer than the session (IndexedUntil: its end, plus as long again, never past its absolute
    // expiry), so that a sliding refresh writes the record alone until the session would outlive them.
    public Task<SessionRecord> CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken) =>
        Measured("create", Stopwatch.GetTimestamp(), CreateCoreAsync(key, record, cancellationToken));

    private async Task<SessionRecord> CreateCoreAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (record.EndsAt <= now)
        {
            return record;
        }
        var db = Database;
        record = record with { IndexedUntil = IndexHorizon(record, now) };
        await Guard(IndexAsync(db, key, record, now, creating: true), cancellationToken);
        await Guard(db.StringSetAsync(_keys.Session(key), Serialize(record), record.EndsAt - now), cancellationToken);
        return record;
    }

    public Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken) =>
        Measured("touch", Stopwatch.GetTimestamp(), TouchCoreAsync(key, record, cancellationToken));

    private async Task<SessionRecord?> TouchCoreAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (record.EndsAt <= now)
        {
            await DeleteAndUnindexAsync(Database, key, cancellationToken);
            return null;
        }
        var db = Database;
        var extend = record.IndexedUntil is not { } indexedUntil || indexedUntil < record.EndsAt;
        if (extend)
        {
            record = record with { IndexedUntil = IndexHorizon(record, now) };
        }
        if (!await Guard(db.StringSetAsync(_keys.Session(key), Serialize(record), record.EndsAt - now, When.Exists), cancellationToken))
        {
            return null;
        }
        if (extend)
        {
            await Guard(IndexAsync(db, key, record, now, creating: false), cancellationToken);
        }
        return record;
    }

    /// <summary>Until when the indexes written now keep the session: its end plus as long again, never past its absolute expiry.</summary>
    private static DateTimeOffset IndexHorizon(SessionRecord record, DateTimeOffset now)
    {
        var horizon = record.EndsAt + (record.EndsAt - now);
        return horizon < record.AbsoluteExpiresAt ? horizon : record.AbsoluteExpiresAt;
    }

    // Extending never creates a handle: one deleted meanwhile stays deleted.
    private Task IndexAsync(IDatabase db, SessionKey key, SessionRecord record, DateTimeOffset now, bool creating)
    {
        var until = record.IndexedUntil!.Value;
        var writes = new List<Task>
        {
            RedisUserIndex.AddAsync(db, _keys.User(record.User), key, until, now),
            creating
                ? db.StringSetAsync(_keys.Handle(key.Handle), key.Value, until - now)
                : db.KeyExpireAsync(_keys.Handle(key.Handle), until - now),
        };
        writes.AddRange(ProviderIndexes(record).Select(index => RedisUserIndex.AddAsync(db, index, key, until, now)));
        return Task.WhenAll(writes);
    }

    public Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken) =>
        Measured("get", Stopwatch.GetTimestamp(), GetCoreAsync(key, cancellationToken));

    private async Task<SessionRecord?> GetCoreAsync(SessionKey key, CancellationToken cancellationToken) =>
        Live(await Guard(Database.StringGetAsync(_keys.Session(key)), cancellationToken));

    // Without the per-instance cache (Sso:SessionCacheDuration 0) only Redis vouches for a session.
    public bool TryGetVouched(SessionKey key, out SessionRecord record)
    {
        record = null!;
        return false;
    }

    public Task DeleteAsync(SessionKey key, CancellationToken cancellationToken) =>
        Measured("delete", Stopwatch.GetTimestamp(), DeleteCoreAsync(key, cancellationToken));

    private async Task<SessionRecord?> DeleteCoreAsync(SessionKey key, CancellationToken cancellationToken) =>
        await DeleteAndUnindexAsync(Database, key, cancellationToken);

    // Reads only (an admin's GET changes nothing): entries of sessions that are gone are skipped here and removed by
    // the writes (every index write drops expired entries; DeleteByUserAsync drops the rest).
    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string user, CancellationToken cancellationToken) =>
        Measured("list", Stopwatch.GetTimestamp(), ListByUserCoreAsync(user, cancellationToken));

    private async Task<IReadOnlyList<StoredSession>> ListByUserCoreAsync(string user, CancellationToken cancellationToken) =>
        (await ReadIndexAsync(Database, user, cancellationToken)).Sessions;

    public Task<IReadOnlyList<StoredSession>> DeleteByUserAsync(string user, CancellationToken cancellationToken) =>
        Measured("delete_by_user", Stopwatch.GetTimestamp(), DeleteByUserCoreAsync(user, cancellationToken));

    private async Task<IReadOnlyList<StoredSession>> DeleteByUserCoreAsync(string user, CancellationToken cancellationToken)
    {
        var db = Database;
        var (sessions, gone) = await ReadIndexAsync(db, user, cancellationToken);
        if (gone.Length > 0)
        {
            await Guard(db.SortedSetRemoveAsync(_keys.User(user), gone), cancellationToken);
        }
        var ended = await Task.WhenAll(sessions.Select(s => DeleteAndUnindexAsync(db, s.Key, cancellationToken)));
        return sessions.Where((_, i) => ended[i] is not null).ToList();
    }

    /// <summary>The user's live sessions, oldest first, and the index entries whose session is gone or someone else's.</summary>
    private async Task<(IReadOnlyList<StoredSession> Sessions, RedisValue[] Gone)> ReadIndexAsync(
        IDatabase db, string user, CancellationToken cancellationToken)
    {
        var members = await Guard(RedisUserIndex.LiveMembersAsync(db, _keys.User(user), time.GetUtcNow()), cancellationToken);
        var keys = members.Select(m => new SessionKey(m.ToString())).ToArray();
        var values = await Guard(Task.WhenAll(keys.Select(k => db.StringGetAsync(_keys.Session(k)))), cancellationToken);

        var sessions = new List<StoredSession>(keys.Length);
        var gone = new List<RedisValue>();
        for (var i = 0; i < keys.Length; i++)
        {
            if (Live(values[i]) is { } record && UserNames.AreSame(record.User, user))
            {
                sessions.Add(new StoredSession(keys[i], record));
            }
            else
            {
                gone.Add(members[i]);
            }
        }
        return (sessions.OrderBy(s => s.Record.CreatedAt).ToList(), gone.ToArray());
    }

    public Task<IReadOnlyList<StoredSession>> DeleteByProviderSessionAsync(
        string provider, string? sessionId, string? subject, CancellationToken cancellationToken) =>
        Measured("delete_by_provider_session", Stopwatch.GetTimestamp(), DeleteByProviderSessionCoreAsync(provider, sessionId, subject, cancellationToken));

    private async Task<IReadOnlyList<StoredSession>> DeleteByProviderSessionCoreAsync(
        string provider, string? sessionId, string? subject, CancellationToken cancellationToken)
    {
        if (sessionId is null && subject is null)
        {
            return [];
        }
        var db = Database;
        // With a sid, the subject's sessions are read too: one whose provider sent no sid matches on the subject alone.
        var indexes = new List<RedisKey>();
        if (sessionId is not null)
        {
            indexes.Add(_keys.ProviderSession(provider, sessionId));
        }
        if (subject is not null)
        {
            indexes.Add(_keys.ProviderSubject(provider, subject));
        }
        var members = await Guard(Task.WhenAll(indexes.Select(index => RedisUserIndex.LiveMembersAsync(db, index, time.GetUtcNow()))), cancellationToken);
        var keys = members.SelectMany(m => m).Distinct().Select(m => new SessionKey(m.ToString())).ToArray();
        var values = await Guard(Task.WhenAll(keys.Select(k => db.StringGetAsync(_keys.Session(k)))), cancellationToken);
        var matching = keys.Where((_, i) => Live(values[i]) is { } record && ProviderSessionMatch.Matches(record, provider, sessionId, subject)).ToArray();
        var ended = await Task.WhenAll(matching.Select(k => DeleteAndUnindexAsync(db, k, cancellationToken)));
        return matching.Select((k, i) => ended[i] is { } record ? new StoredSession(k, record) : null).OfType<StoredSession>().ToList();
    }

    public Task<StoredSession?> DeleteByHandleAsync(string handle, CancellationToken cancellationToken) =>
        Measured("delete_by_handle", Stopwatch.GetTimestamp(), DeleteByHandleCoreAsync(handle, cancellationToken));

    private async Task<StoredSession?> DeleteByHandleCoreAsync(string handle, CancellationToken cancellationToken)
    {
        var db = Database;
        var value = await Guard(db.StringGetAsync(_keys.Handle(handle)), cancellationToken);
        if (value.IsNullOrEmpty)
        {
            return null;
        }
        var key = new SessionKey(value.ToString());
        var record = await DeleteAndUnindexAsync(db, key, cancellationToken);
        return record is null ? null : new StoredSession(key, record);
    }

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Measured("ping", Stopwatch.GetTimestamp(), Guard(Database.PingAsync(), cancellationToken));
            return true;
        }
        catch (SessionStoreUnavailableException)
        {
            return false;
        }
    }

    /// <returns>The record that was deleted while still live, or null.</returns>
    private async Task<SessionRecord?> DeleteAndUnindexAsync(IDatabase db, SessionKey key, CancellationToken cancellationToken)
    {
        var record = Live(await Guard(db.StringGetDeleteAsync(_keys.Session(key)), cancellationToken));
        var cleanup = new List<Task> { db.KeyDeleteAsync(_keys.Handle(key.Handle)) };
        if (record is not null)
        {
            cleanup.Add(RedisUserIndex.RemoveAsync(db, _keys.User(record.User), key, time.GetUtcNow()));
            cleanup.AddRange(ProviderIndexes(record).Select(index => RedisUserIndex.RemoveAsync(db, index, key, time.GetUtcNow())));
        }
        await Guard(Task.WhenAll(cleanup), cancellationToken);
        return record;
    }

    private IEnumerable<RedisKey> ProviderIndexes(SessionRecord record)
    {
        if (record.Provider is null)
        {
            yield break;
        }
        if (record.ProviderSessionId is not null)
        {
            yield return _keys.ProviderSession(record.Provider, record.ProviderSessionId);
        }
        if (record.ProviderSubject is not null)
        {
            yield return _keys.ProviderSubject(record.Provider, record.ProviderSubject);
        }
    }

    private SessionRecord? Live(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }
        var record = JsonSerializer.Deserialize((byte[])value!, SessionJsonContext.Default.SessionRecord);
        return record is null || record.IsExpiredAt(time.GetUtcNow()) ? null : record;
    }

    private static byte[] Serialize(SessionRecord record) =>
        JsonSerializer.SerializeToUtf8Bytes(record, SessionJsonContext.Default.SessionRecord);

    /// <summary>
    /// One operation's duration (when it got an answer) or its failure, for the metrics. <paramref name="started"/> is
    /// taken before the operation's task is created, which already sends its first commands.
    /// </summary>
    private async Task<T> Measured<T>(string operation, long started, Task<T> call)
    {
        try
        {
            var result = await call;
            metrics?.StoreAnswered(operation, started);
            return result;
        }
        catch (SessionStoreUnavailableException ex)
        {
            metrics?.StoreFailed(operation, ex);
            throw;
        }
    }

    /// <summary>Bounds every call by <see cref="SsoOptions.StoreTimeout"/> and turns Redis faults into one exception type.</summary>
    private async Task Guard(Task call, CancellationToken cancellationToken)
    {
        try
        {
            await call.WaitAsync(_timeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            circuit?.Trip();
            throw new SessionStoreUnavailableException("The Redis session store did not answer.", ex);
        }
    }

    private async Task<T> Guard<T>(Task<T> call, CancellationToken cancellationToken)
    {
        await Guard((Task)call, cancellationToken);
        return await call;
    }
}
