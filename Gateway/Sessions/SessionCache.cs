using Gateway.Collections;

namespace Gateway.Sessions;

/// <summary>
/// A small, bounded, per-instance cache of session records in front of the shared store. An entry is trusted for
/// <c>trustFor</c> after it was read from (or written to) the store; after that the store must vouch for the
/// session again. Revocations remove entries at once (see the store's invalidation messages); the trust window
/// bounds how stale an entry can be if such a message is lost. With a listening window (Redis), nothing is trusted
/// unless the channel that carries revocations was heard from within it (<see cref="MarkHeard"/>: every instance
/// publishes a heartbeat), so a subscription that silently stops delivering, or a store that stops answering, is
/// noticed within that window however long the trust window is; hearing the channel again after such a gap revokes
/// everything, since messages sent meanwhile may be lost.
/// </summary>
/// <remarks>
/// A revocation wins over a store read that began before it: every revocation (<see cref="Remove(SessionKey)"/>,
/// <see cref="Remove(string)"/>, <see cref="Clear"/>) advances <see cref="Revocations"/>, and a record read from the
/// store is cached only through <see cref="SetIfNotRevokedSince"/>, which refuses it when any revocation happened since
/// the read began (whatever session it was: a count is cheaper than a record of which sessions ended, and a read that
/// overlaps a revocation is simply not cached).
/// <para>
/// An entry whose trust window ended is not trusted, but is kept for one more window (unless revoked): when the store
/// then says the same of the session (nothing changed since), the record instance held is vouched for again instead of
/// the one just read, in the entry held. So everything built on that instance (<c>AuthenticatedSession</c>) goes on
/// answering, and a busy session's record and entry do not turn into new long-lived objects every trust window
/// (measured: most of the garbage, and so of the memory, with 100 000 sessions in use).
/// </para>
/// </remarks>
internal sealed class SessionCache
{
    private readonly CountedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ISessionStringSource[] _strings;
    private readonly int _capacity;
    private readonly long _trustTicks;
    // Lapsed entries are kept until this old (two trust windows), to recognise a record read again (see remarks).
    private readonly long _keptTicks;
    private const int MinSweepSize = 1024;
    private int _nextSweepAt = MinSweepSize;
    private long _revocations;
    private long _hits;
    private long _misses;
    // Milliseconds of the machine's monotonic clock (Environment.TickCount64), not of the sessions' TimeProvider:
    // listening is about a live connection now, whatever clock the sessions' times are read from.
    private readonly long _listeningMilliseconds;
    private long _lastHeardAt = long.MinValue / 2;

    /// <summary>How recently the revocation channel must have been heard for anything here to be trusted (Redis).</summary>
    public static readonly TimeSpan ListeningWindow = TimeSpan.FromSeconds(2);

    /// <param name="listeningWindow">Null: no channel to listen to (always trusted within the trust window).</param>
    /// <param name="strings">Where a record held anew finds the strings it repeats (<see cref="ISessionStringSource"/>), if anywhere.</param>
    public SessionCache(TimeProvider time, int capacity, TimeSpan trustFor, TimeSpan? listeningWindow = null, IEnumerable<ISessionStringSource>? strings = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _time = time;
        _strings = strings?.ToArray() ?? [];
        _capacity = capacity;
        _trustTicks = trustFor.Ticks;
        _keptTicks = 2 * trustFor.Ticks;
        _listeningMilliseconds = (long)(listeningWindow?.TotalMilliseconds ?? 0);
    }

    /// <summary>True when revocations can reach this cache: no channel is needed, or it was heard within the window.</summary>
    public bool IsListening => _listeningMilliseconds == 0 || Environment.TickCount64 - Interlocked.Read(ref _lastHeardAt) < _listeningMilliseconds;

    /// <summary>
    /// The revocation channel delivered a message (a heartbeat or revocations). After a silence longer than the
    /// listening window everything is revoked first: what was published meanwhile may never arrive.
    /// </summary>
    public void MarkHeard()
    {
        if (!IsListening)
        {
            Clear();
        }
        Interlocked.Exchange(ref _lastHeardAt, Environment.TickCount64);
    }

    public bool Enabled => _trustTicks > 0;

    public int Count => _entries.Count;

    /// <summary>The record when it was vouched for by the store less than the trust window ago and has not expired.</summary>
    public bool TryGet(SessionKey key, out SessionRecord record)
    {
        if (_entries.TryGetValue(key.Value, out var entry))
        {
            var now = _time.GetUtcNow();
            if (now.UtcTicks - entry.VouchedAtTicks < _trustTicks && !entry.Record.IsExpiredAt(now) && IsListening)
            {
                record = entry.Record;
                Interlocked.Increment(ref _hits);
                return true;
            }
            if (entry.Record.IsExpiredAt(now))
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key.Value, entry));
            }
        }
        record = null!;
        return false;
    }

    /// <summary>Lookups answered from the cache (metrics).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that had to ask the store (metrics; counted by the caller that asks, see <see cref="CountMiss"/>).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>A lookup missed and goes to the store.</summary>
    public void CountMiss() => Interlocked.Increment(ref _misses);

    /// <summary>How many revocations this cache has seen: read it before a store read, hand it to <see cref="SetIfNotRevokedSince"/>.</summary>
    public long Revocations => Interlocked.Read(ref _revocations);

    /// <summary>Caches a record just written to the store.</summary>
    /// <returns>The record the cache now vouches for (see <see cref="SetIfNotRevokedSince"/>); null when the cache is off.</returns>
    public SessionRecord? Set(SessionKey key, SessionRecord record) => SetEntry(key, record)?.Record;

    /// <summary>
    /// Caches a record read from the store, unless a session was revoked since the read began
    /// (<paramref name="revocations"/>: <see cref="Revocations"/> before the read).
    /// </summary>
    /// <returns>
    /// The record the cache now vouches for: the instance it already held when that holds the same values (see
    /// remarks), else <paramref name="record"/> (with the strings the cache's <see cref="ISessionStringSource"/>s hold
    /// shared); null when nothing is cached.
    /// </returns>
    public SessionRecord? SetIfNotRevokedSince(SessionKey key, SessionRecord record, long revocations)
    {
        if (Revocations != revocations || SetEntry(key, record) is not { } entry)
        {
            return null;
        }
        // A revocation between the check and the write may have removed the entry before it was written: undo it.
        if (Revocations != revocations)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key.Value, entry));
            return null;
        }
        return entry.Record;
    }

    /// <summary>Replaces the record of a session cached here (e.g. its slid expiry while the write is under way); never adds one.</summary>
    public void Replace(SessionKey key, SessionRecord record)
    {
        if (_entries.TryGetValue(key.Value, out var current))
        {
            _entries.TryUpdate(key.Value, new Entry(record, current.VouchedAtTicks), current);
        }
    }

    private Entry? SetEntry(SessionKey key, SessionRecord record)
    {
        if (!Enabled)
        {
            return null;
        }
        if (Count >= _nextSweepAt)
        {
            RemoveStale();
            // Sweeping again only once the cache has doubled keeps the cost per Set constant on average, and the
            // cache about the size of the sessions used within one trust window.
            _nextSweepAt = Math.Min(_capacity, Math.Max(MinSweepSize, Count * 2));
        }
        if (Count >= _capacity && !_entries.ContainsKey(key.Value))
        {
            Evict();
        }
        var now = _time.GetUtcNow().UtcTicks;
        if (_entries.TryGetValue(key.Value, out var held) && held.Record.HasSameValuesAs(record))
        {
            // Vouched for again in place: a busy session renewed every trust window makes no new entry (see remarks).
            held.VouchedAgainAt(now);
            if (_entries.TryGetValue(key.Value, out var current) && ReferenceEquals(current, held))
            {
                return held;
            }
            // Removed meanwhile (not by a revocation: the caller checks for those): put back like any record read.
            record = held.Record;
        }
        else
        {
            // Held from now on, perhaps for hours: pointing at strings held anyway rather than at this read's copies.
            foreach (var strings in _strings)
            {
                record = strings.Share(record);
            }
        }
        var entry = new Entry(record, now);
        _entries.Set(key.Value, entry);
        return entry;
    }

    /// <summary>Revokes a session here: its entry goes, and no read that began before now can put it back.</summary>
    public void Remove(SessionKey key) => Remove(key.Value);

    /// <inheritdoc cref="Remove(SessionKey)"/>
    public void Remove(string keyValue)
    {
        // Counted before the removal: see SetIfNotRevokedSince.
        Interlocked.Increment(ref _revocations);
        _entries.TryRemove(keyValue);
        Revoked?.Invoke(keyValue);
    }

    /// <summary>
    /// A session was revoked here (sign-out or revocation on this instance, or another instance's message): its key.
    /// Handlers must be quick; they run on the revoking request or the pub/sub thread.
    /// </summary>
    public event Action<string>? Revoked;

    /// <summary>Every entry was revoked at once (the connection that carries revocations was lost or regained).</summary>
    public event Action? Cleared;

    /// <summary>
    /// The session changed elsewhere (not ended): its entry goes, and no read that began before now can put the old
    /// record back, but nothing is told it was revoked (its live connections stay open).
    /// </summary>
    public void Invalidate(string keyValue)
    {
        Interlocked.Increment(ref _revocations);
        _entries.TryRemove(keyValue);
    }

    /// <summary>Drops an entry that was not revoked (the store is asked again next time), e.g. after a failed write.</summary>
    public void Forget(SessionKey key) => _entries.TryRemove(key.Value);

    /// <summary>Revokes everything (e.g. the connection that carries revocations was lost).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _revocations);
        foreach (var (key, _) in _entries)
        {
            _entries.TryRemove(key);
        }
        Cleared?.Invoke();
    }

    /// <summary>
    /// Drops the entries whose trust window has passed and that are no longer kept to recognise a record read again
    /// (see remarks), so the cache shrinks when sessions go idle.
    /// </summary>
    public void RemoveStale() => RemoveOlderThan(_keptTicks);

    private void RemoveOlderThan(long ticks)
    {
        var now = _time.GetUtcNow().UtcTicks;
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.VouchedAtTicks >= ticks)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }
    }

    // Entries past their trust window go first; if the cache is still full, an arbitrary tenth goes, which keeps
    // eviction O(n) rare events rather than bookkeeping on every hit.
    private void Evict()
    {
        RemoveOlderThan(_trustTicks);
        var excess = Count - _capacity * 9 / 10;
        foreach (var (key, _) in _entries)
        {
            if (excess-- <= 0)
            {
                break;
            }
            _entries.TryRemove(key);
        }
    }

    /// <summary>
    /// A record and when the store last vouched for it. Compared by reference (removals name the very entry they
    /// looked at); only the time changes, and only forward.
    /// </summary>
    private sealed class Entry(SessionRecord record, long vouchedAtTicks)
    {
        private long _vouchedAtTicks = vouchedAtTicks;

        public SessionRecord Record { get; } = record;

        public long VouchedAtTicks => Interlocked.Read(ref _vouchedAtTicks);

        public void VouchedAgainAt(long ticks)
        {
            var current = VouchedAtTicks;
            while (ticks > current)
            {
                var seen = Interlocked.CompareExchange(ref _vouchedAtTicks, ticks, current);
                if (seen == current)
                {
                    return;
                }
                current = seen;
            }
        }
    }
}
