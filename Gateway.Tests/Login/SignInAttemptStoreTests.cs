using Gateway.Configuration;
using Gateway.Login;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Tests.Login;

/// <summary>The attempt-counter contract, run against every store.</summary>
public abstract class SignInAttemptStoreTests : IAsyncLifetime
{
    private protected ISignInAttemptStore Store { get; private set; } = null!;

    private protected abstract Task<ISignInAttemptStore> CreateStoreAsync();

    /// <summary>Lets the given time pass (a fake clock, or real waiting for Redis TTLs).</summary>
    protected abstract Task PassAsync(TimeSpan time);

    /// <summary>A window no test outlives.</summary>
    protected static TimeSpan Window => TimeSpan.FromMinutes(15);

    /// <summary>A window the test waits out: short enough for Redis to end it while we wait.</summary>
    protected abstract TimeSpan ShortWindow { get; }

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Increment_CountsEachKeySeparately_InOrder()
    {
        await Store.IncrementAsync(["u:a"], Window, default);
        await Store.IncrementAsync(["u:a"], Window, default);
        var counts = await Store.IncrementAsync(["u:a", "a:1", "u:b"], Window, default);

        Assert.Equal([3L, 1L, 1L], counts.Select(c => c.Count));
        Assert.All(counts, c => Assert.InRange(c.WindowLeft, TimeSpan.FromTicks(1), Window));
    }

    [Fact]
    public async Task LaterAttempts_DoNotExtendTheWindow()
    {
        var first = (await Store.IncrementAsync(["u:a"], Window, default))[0];
        await PassAsync(TimeSpan.FromMilliseconds(200));
        var second = (await Store.IncrementAsync(["u:a"], Window, default))[0];

        Assert.Equal(2, second.Count);
        Assert.True(second.WindowLeft < first.WindowLeft, $"{second.WindowLeft} should be less than {first.WindowLeft}");
    }

    [Fact]
    public async Task AfterTheWindow_CounterStartsAgain()
    {
        await Store.IncrementAsync(["u:a", "a:1"], ShortWindow, default);
        await Store.IncrementAsync(["u:a", "a:1"], ShortWindow, default);

        await PassAsync(ShortWindow + TimeSpan.FromMilliseconds(50));

        var counts = await Store.IncrementAsync(["u:a", "a:1"], ShortWindow, default);
        Assert.Equal([1L, 1L], counts.Select(c => c.Count));
    }

    [Fact]
    public async Task Decrement_TakesOneBack_AndNeverRevivesAnEndedCounter()
    {
        await Store.IncrementAsync(["a:1"], Window, default);
        await Store.IncrementAsync(["a:1"], Window, default);
        await Store.DecrementAsync("a:1", default);
        Assert.Equal(2, (await Store.IncrementAsync(["a:1"], Window, default))[0].Count);

        await Store.DecrementAsync("a:never", default);
        Assert.Equal(1, (await Store.IncrementAsync(["a:never"], Window, default))[0].Count);
    }

    [Fact]
    public async Task Reset_ForgetsTheCounter()
    {
        await Store.IncrementAsync(["u:a"], Window, default);
        await Store.IncrementAsync(["u:a"], Window, default);
        await Store.ResetAsync("u:a", default);

        Assert.Equal(1, (await Store.IncrementAsync(["u:a"], Window, default))[0].Count);
    }
}

public sealed class SignInAttemptStoreTests_InMemory : SignInAttemptStoreTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T12:00:00Z"));
    private InMemorySignInAttemptStore? _store;

    protected override TimeSpan ShortWindow => TimeSpan.FromMinutes(1);

    private protected override Task<ISignInAttemptStore> CreateStoreAsync() =>
        Task.FromResult<ISignInAttemptStore>(_store = new InMemorySignInAttemptStore(_time));

    protected override Task PassAsync(TimeSpan time)
    {
        _time.Advance(time);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EndedCounters_AreSweptFromMemory()
    {
        await Store.IncrementAsync(["u:a", "a:1"], Window, default);
        Assert.Equal(2, _store!.Count);

        _time.Advance(Window + TimeSpan.FromMinutes(1));

        Assert.Equal(0, _store.Count);
    }

    public override Task DisposeAsync()
    {
        _store?.Dispose();
        return Task.CompletedTask;
    }
}

[Collection(RedisCollection.Name)]
public sealed class SignInAttemptStoreTests_Redis(RedisServerFixture redis) : SignInAttemptStoreTests
{
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";
    private ConnectionMultiplexer? _connection;

    protected override TimeSpan ShortWindow => TimeSpan.FromSeconds(1);

    private protected override async Task<ISignInAttemptStore> CreateStoreAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var options = Options.Create(new SsoOptions { RedisKeyPrefix = _prefix });
        return new RedisSignInAttemptStore(_connection, options, TimeProvider.System);
    }

    // Redis expires keys on its own clock: wait (polling, not sleeping blindly) until the time has passed.
    protected override Task PassAsync(TimeSpan time)
    {
        var until = DateTime.UtcNow + time;
        return Poll.UntilAsync(() => DateTime.UtcNow >= until, time + TimeSpan.FromSeconds(5), $"{time} has passed");
    }

    [Fact]
    public async Task EveryCounterKey_HasTheWindowAsTtl_UnderTheKeyPrefix()
    {
        await Store.IncrementAsync(["u:a"], Window, default);
        await Store.DecrementAsync("a:gone", default);

        var ttl = await _connection!.GetDatabase().KeyTimeToLiveAsync(_prefix + "lockout:u:a");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        Assert.False(await _connection.GetDatabase().KeyExistsAsync(_prefix + "lockout:a:gone"));
    }

    public override async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
