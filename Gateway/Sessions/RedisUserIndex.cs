using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// The per-user sorted set of session keys, scored by how long the index keeps each (the session's
/// <see cref="SessionRecord.IndexedUntil"/>, a little after the session ends if unused). It cannot grow without bound:
/// expired entries are removed whenever it is written, and the set itself expires with its latest entry. Reading it
/// changes nothing; readers skip entries whose session has ended.
/// </summary>
internal static class RedisUserIndex
{
    // KEYS[1] the index; ARGV[1] now (Unix ms); ARGV[2] the session's expiry (Unix ms); ARGV[3] the session key.
    private const string AddScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
        local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        redis.call('PEXPIREAT', KEYS[1], latest[2])
        return 1
        """;

    public static Task AddAsync(IDatabase db, RedisKey index, SessionKey key, DateTimeOffset expiresAt, DateTimeOffset now) =>
        db.ScriptEvaluateAsync(AddScript, [index], [now.ToUnixTimeMilliseconds(), expiresAt.ToUnixTimeMilliseconds(), key.Value]);

    public static Task RemoveAsync(IDatabase db, RedisKey index, SessionKey key, DateTimeOffset now) =>
        Task.WhenAll(
            db.SortedSetRemoveAsync(index, key.Value),
            db.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, now.ToUnixTimeMilliseconds()));

    /// <summary>The entries that have not expired, soonest expiry first. Reads only.</summary>
    public static Task<RedisValue[]> LiveMembersAsync(IDatabase db, RedisKey index, DateTimeOffset now) =>
        db.SortedSetRangeByScoreAsync(index, now.ToUnixTimeMilliseconds(), double.PositiveInfinity, Exclude.Start);
}
