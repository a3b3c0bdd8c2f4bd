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

    [Fact]
    public async Task SlidingRefreshes_RewriteTheRecordAlone_UntilTheSessionWouldOutliveItsIndexes()
    {
        var key = NewKey();
        var stored = await Store.CreateAsync(key, NewRecord(), default);
        // The indexes keep the session for its idle time and as long again (never past its absolute expiry).
        Assert.Equal(stored.EndsAt + Idle, stored.IndexedUntil);
        var indexScore = await IndexScoreAsync(key);
        Assert.Equal(stored.IndexedUntil!.Value.ToUnixTimeMilliseconds(), indexScore);

        // A slide a minute for the next hour: each rewrites the record; the indexes are left as they are.
        for (var minute = 1; minute <= 60; minute++)
        {
            Time.Advance(TimeSpan.FromMinutes(1));
            var now = Time.GetUtcNow();
            stored = await Store.TouchAsync(key, stored with { LastSeenAt = now, ExpiresAt = now + Idle }, default);
            Assert.NotNull(stored);
        }
        Assert.Equal(indexScore, await IndexScoreAsync(key));
        Assert.InRange(await redis.IntegerAsync("PTTL", _prefix + "h:" + key.Handle), 1, (long)(Idle * 2).TotalMilliseconds);
        Assert.Equal(stored.LastSeenAt, (await Store.GetAsync(key, default))!.LastSeenAt);

        // The first slide that would let the session outlive them extends them, to its new end and as long again.
        Time.Advance(TimeSpan.FromMinutes(1));
        var later = Time.GetUtcNow();
        stored = await Store.TouchAsync(key, stored with { LastSeenAt = later, ExpiresAt = later + Idle }, default);
        Assert.Equal(later + Idle * 2, stored!.IndexedUntil);
        Assert.Equal(stored.IndexedUntil!.Value.ToUnixTimeMilliseconds(), await IndexScoreAsync(key));
        Assert.InRange(await redis.IntegerAsync("PTTL", _prefix + "h:" + key.Handle), (long)(Idle * 2).TotalMilliseconds - 60_000, (long)(Idle * 2).TotalMilliseconds);

        // An operator finds it by user and ends it by handle all along.
        Assert.Single(await Store.ListByUserAsync("alice", default));
        Assert.NotNull(await Store.DeleteByHandleAsync(key.Handle, default));
        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task ASessionThatEndedUnused_IsNotListed_ThoughItsIndexEntryOutlivesIt()
    {
        var key = NewKey();
        // Its index entry lasts twice as long: the poll below sees the session key go well before the index does.
        var record = NewRecord(idle: TimeSpan.FromSeconds(3));
        await Store.CreateAsync(key, record, default);
        await LetExpireAsync(key, record);

        Assert.NotNull(await IndexScoreAsync(key));
        Assert.Empty(await Store.ListByUserAsync("alice", default));
        Assert.Null(await Store.DeleteByHandleAsync(key.Handle, default));
    }

    private async Task<long?> IndexScoreAsync(SessionKey key)
    {
        // A bulk reply: "$13\r\n1733000000000\r\n", or "$-1" when the member is not there.
        var reply = await redis.CommandAsync("ZSCORE", _prefix + "u:alice", key.Value);
        var lines = reply.Split("\r\n");
        return lines[0] == "$-1" ? null : long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private string RedisKey(SessionKey key) => _prefix + "s:" + key.Value;
}
