using System.Collections.Concurrent;
using Gateway.Configuration;
using Gateway.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Assertion;

/// <summary>
/// Where the signing keys live, one per rotation period ("epoch"), each written once: the first instance to create
/// the key of a period wins and every other instance reads that one. Values are the protected key (see
/// <see cref="AssertionKeyRing"/>); the store never sees a private key in the clear.
/// </summary>
internal interface IAssertionKeyStore
{
    Task<string?> GetAsync(long epoch, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="value"/> unless the period has a key already; returns the period's key either way.</summary>
    Task<string> GetOrAddAsync(long epoch, string value, TimeSpan timeToLive, CancellationToken cancellationToken);
}

/// <summary>One instance only (no <c>Sso:Redis</c>): the keys live as long as the process.</summary>
internal sealed class InMemoryAssertionKeyStore : IAssertionKeyStore
{
    private readonly ConcurrentDictionary<long, string> _keys = new();

    public Task<string?> GetAsync(long epoch, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.TryGetValue(epoch, out var value) ? value : null);

    public Task<string> GetOrAddAsync(long epoch, string value, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.GetOrAdd(epoch, value));
}

/// <summary>
/// <c>{prefix}assertion-key:{epoch}</c>, written with <c>SET NX</c> and a TTL (one key per command, so any cluster
/// layout works). A Redis fault is a <see cref="SessionStoreUnavailableException"/>, as for sessions.
/// </summary>
internal sealed class RedisAssertionKeyStore(IConnectionMultiplexer redis, IOptions<SsoOptions> options) : IAssertionKeyStore
{
    private readonly string _prefix = options.Value.RedisKeyPrefix + "assertion-key:";
    private readonly TimeSpan _timeout = options.Value.StoreTimeout;

    public async Task<string?> GetAsync(long epoch, CancellationToken cancellationToken)
    {
        var value = await Guard(redis.GetDatabase().StringGetAsync(_prefix + epoch), cancellationToken);
        return value.IsNullOrEmpty ? null : value.ToString();
    }

    public async Task<string> GetOrAddAsync(long epoch, string value, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        if (await Guard(db.StringSetAsync(_prefix + epoch, value, timeToLive, When.NotExists), cancellationToken))
        {
            return value;
        }
        return await GetAsync(epoch, cancellationToken)
            ?? throw new SessionStoreUnavailableException("The assertion signing key vanished from Redis while it was read.");
    }

    private async Task<T> Guard<T>(Task<T> command, CancellationToken cancellationToken)
    {
        try
        {
            return await command.WaitAsync(_timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new SessionStoreUnavailableException("Redis did not answer for the assertion signing keys.", ex);
        }
    }
}
