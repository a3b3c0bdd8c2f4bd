using System.Text.Json;
using Gateway.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Sessions in Redis through the one shared multiplexer: a string per session under
/// <c>{prefix}s:{key}</c>, JSON, with a TTL on every write.
/// </summary>
internal sealed class RedisSessionStore(
    IConnectionMultiplexer redis,
    IOptions<SsoOptions> options,
    TimeProvider time) : ISessionStore
{
    private readonly string _keyPrefix = options.Value.RedisKeyPrefix + "s:";
    private readonly TimeSpan _timeout = options.Value.StoreTimeout;

    private IDatabase Database => redis.GetDatabase();

    public Task CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken) =>
        Write(key, record, When.Always, cancellationToken);

    public Task TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken) =>
        Write(key, record, When.Exists, cancellationToken);

    public async Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        var value = await Guard(Database.StringGetAsync(RedisKeyOf(key)), cancellationToken);
        if (value.IsNullOrEmpty)
        {
            return null;
        }
        var record = JsonSerializer.Deserialize((byte[])value!, SessionJsonContext.Default.SessionRecord);
        return record is null || record.IsExpiredAt(time.GetUtcNow()) ? null : record;
    }

    public Task DeleteAsync(SessionKey key, CancellationToken cancellationToken) =>
        Guard(Database.KeyDeleteAsync(RedisKeyOf(key)), cancellationToken);

    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Guard(Database.PingAsync(), cancellationToken);
            return true;
        }
        catch (SessionStoreUnavailableException)
        {
            return false;
        }
    }

    private async Task Write(SessionKey key, SessionRecord record, When when, CancellationToken cancellationToken)
    {
        var ttl = record.EndsAt - time.GetUtcNow();
        if (ttl <= TimeSpan.Zero)
        {
            await DeleteAsync(key, cancellationToken);
            return;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(record, SessionJsonContext.Default.SessionRecord);
        await Guard(Database.StringSetAsync(RedisKeyOf(key), json, ttl, when), cancellationToken);
    }

    private RedisKey RedisKeyOf(SessionKey key) => _keyPrefix + key.Value;

    /// <summary>Bounds every call by <see cref="SsoOptions.StoreTimeout"/> and turns Redis faults into one exception type.</summary>
    private async Task<T> Guard<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(_timeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new SessionStoreUnavailableException("The Redis session store did not answer.", ex);
        }
    }
}
