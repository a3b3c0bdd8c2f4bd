using System.Collections.Concurrent;
using Gateway.Identity;
using Gateway.Metrics;

namespace Gateway.Sessions;

/// <summary>
/// The embedded default store: one process only. Expired records are dropped when read and by a periodic sweep.
/// </summary>
internal sealed class InMemorySessionStore : ISessionStore, IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, SessionRecord> _records = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweepTimer;
    private readonly GatewayMetrics? _metrics;

    public InMemorySessionStore(TimeProvider time, GatewayMetrics? metrics = null)
    {
        _time = time;
        _metrics = metrics;
        _sweepTimer = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    public int Count => _records.Count;

    public Task<SessionRecord> CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
    {
        _records[key.Value] = record;
        return Task.FromResult(record);
    }

    public Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        if (!_records.TryGetValue(key.Value, out var record))
        {
            return Task.FromResult<SessionRecord?>(null);
        }
        if (record.IsExpiredAt(_time.GetUtcNow()))
        {
            RemoveExpired(key.Value, record);
            return Task.FromResult<SessionRecord?>(null);
        }
        return Task.FromResult<SessionRecord?>(record);
    }

    public bool TryGetVouched(SessionKey key, out SessionRecord record) =>
        _records.TryGetValue(key.Value, out record!) && !record.IsExpiredAt(_time.GetUtcNow());

    public Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
    {
        while (_records.TryGetValue(key.Value, out var current))
        {
            // An expired session is gone even before the sweep removes it: a late touch must not resurrect it.
            if (current.IsExpiredAt(_time.GetUtcNow()))
            {
                RemoveExpired(key.Value, current);
                continue;
            }
            if (_records.TryUpdate(key.Value, record, current))
            {
                return Task.FromResult<SessionRecord?>(record);
            }
            // Another write won the race: the last one wins, as in Redis, unless it was a deletion.
        }
        return Task.FromResult<SessionRecord?>(null);
    }

    public Task DeleteAsync(SessionKey key, CancellationToken cancellationToken)
    {
        _records.TryRemove(key.Value, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string user, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        IReadOnlyList<StoredSession> sessions = _records
            .Where(r => !r.Value.IsExpiredAt(now) && UserNames.AreSame(r.Value.User, user))
            .Select(r => new StoredSession(new SessionKey(r.Key), r.Value))
            .OrderBy(s => s.Record.CreatedAt)
            .ToList();
        return Task.FromResult(sessions);
    }

    public async Task<IReadOnlyList<StoredSession>> DeleteByUserAsync(string user, CancellationToken cancellationToken)
    {
        var sessions = await ListByUserAsync(user, cancellationToken);
        return sessions.Where(s => _records.TryRemove(s.Key.Value, out _)).ToList();
    }

    public Task<IReadOnlyList<StoredSession>> DeleteByProviderSessionAsync(string provider, string? sessionId, string? subject, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        IReadOnlyList<StoredSession> ended = _records
            .Where(r => !r.Value.IsExpiredAt(now) && ProviderSessionMatch.Matches(r.Value, provider, sessionId, subject))
            .Where(r => _records.TryRemove(r))
            .Select(r => new StoredSession(new SessionKey(r.Key), r.Value))
            .ToList();
        return Task.FromResult(ended);
    }

    public Task<StoredSession?> DeleteByHandleAsync(string handle, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var (key, record) in _records)
        {
            if (new SessionKey(key).Handle == handle && _records.TryRemove(key, out _) && !record.IsExpiredAt(now))
            {
                return Task.FromResult<StoredSession?>(new StoredSession(new SessionKey(key), record));
            }
        }
        return Task.FromResult<StoredSession?>(null);
    }

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, record) in _records)
        {
            if (record.IsExpiredAt(now))
            {
                RemoveExpired(key, record);
            }
        }
    }

    // Reads, late touches and the sweep drop expired records here, each once (one TryRemove of it succeeds): with
    // this store every idle and absolute ending is counted, within the sweep's minute.
    private void RemoveExpired(string key, SessionRecord record)
    {
        if (_records.TryRemove(new KeyValuePair<string, SessionRecord>(key, record)))
        {
            _metrics?.SessionExpired(record, _time.GetUtcNow());
        }
    }

    public void Dispose() => _sweepTimer.Dispose();
}
