namespace Gateway.Sessions;

/// <summary>
/// The idle expiry of sessions slides with use, written to the store at most once per refresh interval per session
/// (a tenth of the idle time, at most a minute), never past the absolute expiry. One instance per gateway: the
/// ticket store slides, the authenticated-session cache steps aside when a slide is due.
/// </summary>
internal sealed class SlidingExpiry
{
    private readonly TimeSpan _idleTimeout;
    private readonly SlidingRefreshGate _gate;
    private readonly TimeProvider _time;

    public SlidingExpiry(TimeProvider time, TimeSpan idleTimeout)
    {
        _time = time;
        _idleTimeout = idleTimeout;
        RefreshInterval = TimeSpan.FromTicks(Math.Min(idleTimeout.Ticks / 10, TimeSpan.FromMinutes(1).Ticks));
        _gate = new SlidingRefreshGate(time, RefreshInterval);
    }

    public TimeSpan RefreshInterval { get; }

    /// <summary>True when a request now should slide the session's idle expiry (and so write to the store).</summary>
    public bool IsRefreshDue(SessionRecord record, DateTimeOffset now) => now - record.LastSeenAt >= RefreshInterval;

    /// <summary>The record as seen at <paramref name="now"/>: last used now, idle expiry moved on, never past the absolute one.</summary>
    private SessionRecord Slide(SessionRecord record, DateTimeOffset now)
    {
        var idle = now + _idleTimeout;
        return record with { LastSeenAt = now, ExpiresAt = idle < record.AbsoluteExpiresAt ? idle : record.AbsoluteExpiresAt };
    }

    /// <summary>
    /// True for the one request that should write a due slide of this session now: the other requests of a busy
    /// session that see the same due refresh go on with the slid record instead of writing it again.
    /// </summary>
    private bool TryClaimWrite(SessionKey key) => _gate.TryClaim(key);

    /// <summary>Gives a claim back after a failed write, so the next request tries again.</summary>
    private void ReleaseWrite(SessionKey key) => _gate.Release(key);

    /// <summary>
    /// A session's record as a request sees it now: null when it ended or expired; when a slide is due, slid, and
    /// written by the one request that claims the write (which gets the record as stored, the one the store then
    /// vouches for), while the others go on with the slid record without writing it. The one way a request reads its
    /// session: the cookie's ticket store and the authenticated sessions' renewal both read through here.
    /// </summary>
    /// <exception cref="SessionStoreUnavailableException">The store did not answer.</exception>
    public async Task<SessionRecord?> ReadAsync(ISessionStore store, SessionKey key, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(key, cancellationToken);
        var now = _time.GetUtcNow();
        if (record is null || record.IsExpiredAt(now))
        {
            return null;
        }
        if (!IsRefreshDue(record, now))
        {
            return record;
        }
        var slid = Slide(record, now);
        if (!TryClaimWrite(key))
        {
            return slid;
        }
        try
        {
            // The record as stored; none: the session ended meanwhile.
            return await store.TouchAsync(key, slid, cancellationToken);
        }
        catch
        {
            ReleaseWrite(key);
            throw;
        }
    }
}
