using Gateway.Collections;

namespace Gateway.Sessions;

/// <summary>
/// Lets one request per session write a due sliding refresh, and none again until the refresh interval has passed:
/// the other requests of a busy session, including those that read the session before the write, go on without
/// writing. Bounded: claims older than the interval are swept as the map grows.
/// </summary>
internal sealed class SlidingRefreshGate(TimeProvider time, TimeSpan interval)
{
    private const int MinSweepSize = 1024;

    private readonly CountedDictionary<string, long> _claimedAt = new(StringComparer.Ordinal);
    private int _nextSweepAt = MinSweepSize;

    public int Count => _claimedAt.Count;

    /// <returns>True for the one caller that should write the refresh now.</returns>
    public bool TryClaim(SessionKey key)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (_claimedAt.TryGetValue(key.Value, out var claimedAt))
        {
            if (now - claimedAt < interval.Ticks || !_claimedAt.TryUpdate(key.Value, now, claimedAt))
            {
                return false;
            }
        }
        else if (!_claimedAt.TryAdd(key.Value, now))
        {
            return false;
        }
        if (Count >= _nextSweepAt)
        {
            foreach (var (value, at) in _claimedAt)
            {
                if (now - at >= interval.Ticks)
                {
                    _claimedAt.TryRemove(new KeyValuePair<string, long>(value, at));
                }
            }
            _nextSweepAt = Math.Max(MinSweepSize, Count * 2);
        }
        return true;
    }

    /// <summary>Gives a claim back after a failed write, so the next request tries again.</summary>
    public void Release(SessionKey key) => _claimedAt.TryRemove(key.Value);
}
