using Gateway.Configuration;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Tests.Sessions;

[Collection(RedisCollection.Name)]
public sealed class SessionStoreContractTests_Redis(RedisServerFixture redis) : SessionStoreContractTests
{
    private readonly string _prefix = $"c{Guid.NewGuid():N}:";
    private ConnectionMultiplexer? _connection;

    private protected override bool VouchesLocally => false;

    private protected override async Task<ISessionStore> CreateStoreAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        return new RedisSessionStore(_connection, Options.Create(new SsoOptions { RedisKeyPrefix = _prefix }), Time);
    }

    private protected override async Task LetExpireAsync(SessionKey key, SessionRecord record)
    {
        // The real TTL runs out in Redis itself: no GC job, no read needed.
        await Poll.UntilAsync(async () => await redis.IntegerAsync("EXISTS", RedisKey(key)) == 0,
            TimeSpan.FromSeconds(10), "Redis expires the session key by its TTL");
        Time.SetUtcNow(record.ExpiresAt);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Keys_LiveUnderTheConfiguredPrefix_AndNeverContainTheSessionId()
    {
        var sessionId = SessionId.New();
        var key = SessionKey.FromSessionId(sessionId);

        await Store.CreateAsync(key, NewRecord(), default);

        // The session, its handle index entry and the user's index (admin API): nothing holds the id itself.
        var keys = await redis.KeysAsync(_prefix + "*");
        Assert.Equal(new[] { RedisKey(key), _prefix + "h:" + key.Handle, _prefix + "u:alice" }.Order(), keys.Order());
        Assert.All(keys, k => Assert.StartsWith(_prefix, k, StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain(sessionId, k));
        Assert.DoesNotContain(sessionId, await redis.CommandAsync("GET", RedisKey(key)));
        Assert.DoesNotContain(sessionId, await redis.CommandAsync("GET", _prefix + "h:" + key.Handle));
        Assert.DoesNotContain(sessionId, await redis.CommandAsync("ZRANGE", _prefix + "u:alice", "0", "-1"));
    }

    [Fact]
    public async Task Create_SetsATtlOfTheIdleTimeout()
    {
        var key = NewKey();

        await Store.CreateAsync(key, NewRecord(), default);

        Assert.InRange(await redis.IntegerAsync("PTTL", RedisKey(key)), 1, (long)Idle.TotalMilliseconds);
    }

    [Fact]
    public async Task Touch_SlidesTheTtl()
    {
        var key = NewKey();
        var record = NewRecord(idle: TimeSpan.FromMinutes(1));
        await Store.CreateAsync(key, record, default);
        Assert.InRange(await redis.IntegerAsync("PTTL", RedisKey(key)), 1, 60_000);
        var now = Time.GetUtcNow();

        await Store.TouchAsync(key, record with { LastSeenAt = now, ExpiresAt = now + Idle }, default);

        Assert.InRange(await redis.IntegerAsync("PTTL", RedisKey(key)), 60_001, (long)Idle.TotalMilliseconds);
    }

    [Fact]
    public async Task Ttl_NeverExceedsTheAbsoluteExpiry()
    {
        var key = NewKey();
        var now = Time.GetUtcNow();
        var absolute = TimeSpan.FromMinutes(5);
        var record = NewRecord() with { AbsoluteExpiresAt = now + absolute, ExpiresAt = now + absolute };
        await Store.CreateAsync(key, record, default);
        Assert.InRange(await redis.IntegerAsync("PTTL", RedisKey(key)), 1, (long)absolute.TotalMilliseconds);

        // Even a touch asking for a full idle period cannot push the key past the absolute expiry.
        await Store.TouchAsync(key, record with { LastSeenAt = now, ExpiresAt = now + Idle }, default);

        Assert.InRange(await redis.IntegerAsync("PTTL", RedisKey(key)), 1, (long)absolute.TotalMilliseconds);
    }

    [Fact]
    public async Task Touch_OnAMissingSession_WritesNoKey()
    {
        var key = NewKey();

        await Store.TouchAsync(key, NewRecord(), default);

        Assert.Equal(0, await redis.IntegerAsync("EXISTS", RedisKey(key)));
    }

    private string RedisKey(SessionKey key) => _prefix + "s:" + key.Value;
}
