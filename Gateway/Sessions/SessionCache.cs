using System.Collections.Concurrent;

namespace Gateway.Sessions;

/// <summary>
/// A small, bounded, per-instance cache of session records in front of the shared store. An entry is trusted for
/// <c>trustFor</c> after it was read from (or written to) the store; after that the store must vouch for the
/// session again. Revocations remove entries at once (see the store's invalidation messages); the trust window
/// bounds how stale an entry can be if such a message is lost, and how long an outage can go unnoticed.
/// </summary>
internal sealed class SessionCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly long _trustTicks;
    private const int MinSweepSize = 1024;
    private int _nextSweepAt = MinSweepSize;

    public SessionCache(TimeProvider time, int capacity, TimeSpan trustFor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _time = time;
        _capacity = capacity;
        _trustTicks = trustFor.Ticks;
    }

    public bool Enabled => _trustTicks > 0;

    public int Count => _entries.Count;

    /// <summary>The record when it was vouched for by the store less than the trust window ago and has not expired.</summary>
    public bool TryGet(SessionKey key, out SessionRecord record)
    {
        if (_entries.TryGetValue(key.Value, out var entry))
        {
            var now = _time.GetUtcNow();
            if (now.UtcTicks - entry.VouchedAtTicks < _trustTicks && !entry.Record.IsExpiredAt(now))
            {
                record = entry.Record;
                return true;
            }
            _entries.TryRemove(new KeyValuePair<string, Entry>(key.Value, entry));
        }
        record = null!;
        return false;
    }

    public void Set(SessionKey key, SessionRecord record)
    {
        if (!Enabled)
        {
            return;
        }
        var count = _entries.Count;
        if (count >= _nextSweepAt)
        {
            RemoveStale();
            // Sweeping again only once the cache has doubled keeps the cost per Set constant on average, and the
            // cache about the size of the sessions used within one trust window.
            _nextSweepAt = Math.Min(_capacity, Math.Max(MinSweepSize, _entries.Count * 2));
        }
        if (_entries.Count >= _capacity && !_entries.ContainsKey(key.Value))
        {
            Evict();
        }
        _entries[key.Value] = new Entry(record, _time.GetUtcNow().UtcTicks);
    }

    public void Remove(SessionKey key) => _entries.TryRemove(key.Value, out _);

    public void Remove(string keyValue) => _entries.TryRemove(keyValue, out _);

    public void Clear() => _entries.Clear();

    private void RemoveStale()
    {
        var now = _time.GetUtcNow().UtcTicks;
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.VouchedAtTicks >= _trustTicks)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
    }

    // Stale entries go first; if the cache is still full, an arbitrary tenth goes, which keeps eviction O(n)
    // rare events rather than bookkeeping on every hit.
    private void Evict()
    {
        RemoveStale();
        var excess = _entries.Count - _capacity * 9 / 10;
        foreach (var key in _entries.Keys)
        {
            if (excess-- <= 0)
            {
                break;
            }
            _entries.TryRemove(key, out _);
        }
    }

    private sealed record Entry(SessionRecord Record, long VouchedAtTicks);
}
