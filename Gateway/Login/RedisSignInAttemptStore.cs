using Gateway.Configuration;
using Gateway.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Login;

/// <summary>
/// Attempt counters in Redis, shared by every instance: <c>{prefix}lockout:{key}</c>, incremented and given its
/// window's TTL atomically by one Lua script per key, all keys sent in one batch (one round trip).
/// </summary>
internal sealed class RedisSignInAttemptStore(IConnectionMultiplexer redis, IOptions<SsoOptions> options, TimeProvider time)
    : ISignInAttemptStore
{
    // A counter without a TTL (first attempt, or a key somehow left without one) gets the window; later
    // attempts never extend it.
    private const string IncrementScript = """
        local count = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return { count, ttl }
        """;

    // DECR on a missing key would create one without a TTL: only take back from a live counter.
    private const string DecrementScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return redis.call('DECR', KEYS[1])
        end
        return 0
        """;

    private readonly string _keyPrefix = options.Value.RedisKeyPrefix + "lockout:";
    private readonly TimeSpan _timeout = options.Value.StoreTimeout;

    public async Task<AttemptCount[]> IncrementAsync(IReadOnlyList<string> keys, TimeSpan window, CancellationToken cancellationToken)
    {
        var windowMs = (long)Math.Ceiling(window.TotalMilliseconds);
        var batch = redis.GetDatabase().CreateBatch();
        var calls = keys.Select(key => batch.ScriptEvaluateAsync(IncrementScript, [RedisKeyOf(key)], [windowMs])).ToArray();
        batch.Execute();
        var results = await Guard(Task.WhenAll(calls), cancellationToken);
        return results.Select(result =>
        {
            var values = (RedisResult[])result!;
            return new AttemptCount((long)values[0], TimeSpan.FromMilliseconds((long)values[1]));
        }).ToArray();
    }

    public Task DecrementAsync(string key, CancellationToken cancellationToken) =>
        Guard(redis.GetDatabase().ScriptEvaluateAsync(DecrementScript, [RedisKeyOf(key)]), cancellationToken);

    public Task ResetAsync(string key, CancellationToken cancellationToken) =>
        Guard(redis.GetDatabase().KeyDeleteAsync(RedisKeyOf(key)), cancellationToken);

    private RedisKey RedisKeyOf(string key) => _keyPrefix + key;

    /// <summary>Bounds every call by <see cref="SsoOptions.StoreTimeout"/>; a fault means sign-in cannot be checked: 503.</summary>
    private async Task<T> Guard<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(_timeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new SessionStoreUnavailableException("The Redis store did not answer while counting sign-in attempts.", ex);
        }
    }
}
