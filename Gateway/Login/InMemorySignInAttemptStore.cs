namespace Gateway.Login;

/// <summary>Attempt counters in this process (no <c>Sso:Redis</c>): one instance only. Expired counters are swept every minute.</summary>
internal sealed class InMemorySignInAttemptStore : ISignInAttemptStore, IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweepTimer;

    public InMemorySignInAttemptStore(TimeProvider time)
    {
        _time = time;
        _sweepTimer = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _counters.Count;
            }
        }
    }

    public Task<AttemptCount[]> IncrementAsync(IReadOnlyList<string> keys, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var counts = new AttemptCount[keys.Count];
        lock (_lock)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                if (!_counters.TryGetValue(keys[i], out var counter) || counter.EndsAt <= now)
                {
                    counter = new Counter(0, now + window);
                }
                counter = counter with { Count = counter.Count + 1 };
                _counters[keys[i]] = counter;
                counts[i] = new AttemptCount(counter.Count, counter.EndsAt - now);
            }
        }
        return Task.FromResult(counts);
    }

    public Task DecrementAsync(string key, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_counters.TryGetValue(key, out var counter) && counter.EndsAt > now)
            {
                _counters[key] = counter with { Count = counter.Count - 1 };
            }
        }
        return Task.CompletedTask;
    }

    public Task ResetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _counters.Remove(key);
        }
        return Task.CompletedTask;
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var (key, counter) in _counters)
            {
                if (counter.EndsAt <= now)
                {
                    _counters.Remove(key);
                }
            }
        }
    }

    public void Dispose() => _sweepTimer.Dispose();

    private readonly record struct Counter(long Count, DateTimeOffset EndsAt);
}
