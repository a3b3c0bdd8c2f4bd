using System.Diagnostics.Metrics;
using Gateway.Metrics;
using Gateway.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Metrics;

/// <summary>
/// The in-memory store's expiry counts, read through a listener of this test's own meter (scoped to its own
/// <see cref="IMeterFactory"/>, so parallel tests' gateways do not count here).
/// </summary>
public sealed class GatewayMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _ended = new(StringComparer.Ordinal);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    public GatewayMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new GatewayMetrics(factory, _services);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "ssogateway.sessions.ended")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                lock (_ended)
                {
                    _ended[(string)tag.Value!] = _ended.GetValueOrDefault((string)tag.Value!) + value;
                }
            }
        });
        _listener.Start();
    }

    private GatewayMetrics Metrics { get; }

    [Fact]
    public async Task InMemoryStore_CountsIdleAndAbsoluteExpiry_Once_WhenItDropsTheRecord()
    {
        using var store = new InMemorySessionStore(_time, Metrics);
        var idle = Record(idle: TimeSpan.FromMinutes(10), absolute: TimeSpan.FromHours(1));
        var absolute = Record(idle: TimeSpan.FromMinutes(50), absolute: TimeSpan.FromMinutes(30));
        var (idleKey, absoluteKey) = (SessionKey.FromSessionId(SessionId.New()), SessionKey.FromSessionId(SessionId.New()));
        await store.CreateAsync(idleKey, idle, default);
        await store.CreateAsync(absoluteKey, absolute, default);

        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Null(await store.GetAsync(idleKey, default));
        Assert.Null(await store.GetAsync(idleKey, default));
        Assert.Equal(1, Ended(GatewayMetrics.Idle));
        Assert.Equal(0, Ended(GatewayMetrics.Absolute));

        // Nobody asks for the other one again: the minute sweep drops it, as absolute (its absolute expiry came first).
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, Ended(GatewayMetrics.Absolute));
        Assert.Equal(1, Ended(GatewayMetrics.Idle));
        Assert.Equal(0, store.Count);
    }

    private long Ended(string reason)
    {
        lock (_ended)
        {
            return _ended.GetValueOrDefault(reason);
        }
    }

    private SessionRecord Record(TimeSpan idle, TimeSpan absolute)
    {
        var now = _time.GetUtcNow();
        return new SessionRecord
        {
            User = "someone", Email = "", Name = "", Groups = [], CreatedAt = now, LastSeenAt = now,
            AbsoluteExpiresAt = now + absolute, ExpiresAt = now + (idle < absolute ? idle : absolute),
        };
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
