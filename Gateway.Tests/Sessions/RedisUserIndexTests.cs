using Gateway.Configuration;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Tests.Sessions;

/// <summary>The per-user index in Redis stays small: expired entries are removed and the index itself expires.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisUserIndexTests(RedisServerFixture redis) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";
    private ConnectionMultiplexer _redis = null!;
    private RedisSessionStore _store = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        _store = new RedisSessionStore(_redis, Options.Create(new SsoOptions { RedisKeyPrefix = _prefix }), _time);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task ExpiredSessions_LeaveTheUserIndex_OnTheNextWrite()
    {
        var shortLived = await CreateAsync("Alice", TimeSpan.FromMinutes(1));
        await CreateAsync("alice", TimeSpan.FromMinutes(10));
        Assert.Equal(2, await IndexSizeAsync("alice"));

        _time.Advance(TimeSpan.FromMinutes(2));
        await CreateAsync("alice", TimeSpan.FromMinutes(10));

        Assert.Equal(2, await IndexSizeAsync("alice"));
        var listed = await _store.ListByUserAsync("ALICE", default);
        Assert.Equal(2, listed.Count);
        Assert.DoesNotContain(listed, s => s.Key == shortLived);
    }

    [Fact]
    public async Task UserIndex_ExpiresWithItsLatestSession()
    {
        await CreateAsync("bob", TimeSpan.FromMinutes(5));
        await CreateAsync("bob", TimeSpan.FromMinutes(30));

        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync(_prefix + "u:bob");

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(31));
    }

    [Fact]
    public async Task SignOut_RemovesTheSessionFromBothIndexes()
    {
        var key = await CreateAsync("carol", TimeSpan.FromMinutes(5));

        await _store.DeleteAsync(key, default);

        Assert.Equal(0, await IndexSizeAsync("carol"));
        Assert.False(await _redis.GetDatabase().KeyExistsAsync(_prefix + "h:" + key.Handle));
        Assert.Null(await _store.DeleteByHandleAsync(key.Handle, default));
    }

    [Theory]
    [InlineData("kate")]
    [InlineData("KATE")]
    [InlineData("Kate")]
    [InlineData("\u212Aate")] // Kelvin sign: lower-cases to k, but is not k to OrdinalIgnoreCase
    [InlineData("\u212AATE")]
    public async Task Listing_InAnySpellingOfTheName_FindsTheSessions_AndChangesNothing(string spelling)
    {
        var live = await CreateAsync("kate", TimeSpan.FromMinutes(30));
        await CreateAsync("kate", TimeSpan.FromMinutes(1));
        var gone = await CreateAsync("kate", TimeSpan.FromMinutes(30));
        await _redis.GetDatabase().KeyDeleteAsync(_prefix + "s:" + gone.Value); // e.g. a write that failed half way
        _time.Advance(TimeSpan.FromMinutes(2));
        var before = await IndexAsync("kate");
        Assert.Equal(3, before.Length);

        var listed = await _store.ListByUserAsync(spelling, default);

        Assert.Equal([live], listed.Select(s => s.Key));
        Assert.Equal(before, await IndexAsync("kate"));
        Assert.Equal([live], (await _store.ListByUserAsync("kate", default)).Select(s => s.Key));
    }

    [Fact]
    public async Task EndingAllSessions_InAnotherSpellingOfTheName_EndsThem_AndCleansTheIndex()
    {
        var live = await CreateAsync("kate", TimeSpan.FromMinutes(30));
        var gone = await CreateAsync("kate", TimeSpan.FromMinutes(30));
        await _redis.GetDatabase().KeyDeleteAsync(_prefix + "s:" + gone.Value);

        var ended = await _store.DeleteByUserAsync("\u212AATE", default);

        Assert.Equal([live], ended.Select(s => s.Key));
        Assert.Equal(0, await IndexSizeAsync("kate"));
    }

    private async Task<string[]> IndexAsync(string user) =>
        (await _redis.GetDatabase().SortedSetRangeByRankWithScoresAsync(_prefix + "u:" + user)).Select(e => $"{e.Element}@{e.Score}").ToArray();

    private async Task<SessionKey> CreateAsync(string user, TimeSpan lifetime)
    {
        var key = SessionKey.FromSessionId(SessionId.New());
        var now = _time.GetUtcNow();
        await _store.CreateAsync(key, new SessionRecord
        {
            User = user, CreatedAt = now, LastSeenAt = now, AbsoluteExpiresAt = now + lifetime, ExpiresAt = now + lifetime,
        }, default);
        return key;
    }

    private Task<long> IndexSizeAsync(string user) => _redis.GetDatabase().SortedSetLengthAsync(_prefix + "u:" + user);
}
