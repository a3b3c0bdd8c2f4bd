using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;
using Gateway.Sessions;
using StackExchange.Redis;

namespace Gateway.OpenIdConnect;

/// <summary>
/// Remembers the logout tokens (by provider and <c>jti</c>) that were accepted, until they would be too old anyway,
/// so that a replayed token is refused. Shared by all instances when the sessions live in Redis.
/// </summary>
internal interface ILogoutTokenReplayCache
{
    /// <returns>True the first time; false when this token was seen before.</returns>
    Task<bool> TryAddAsync(string provider, string tokenId, TimeSpan keepFor, CancellationToken cancellationToken);
}

internal sealed class InMemoryLogoutTokenReplayCache(TimeProvider time) : ILogoutTokenReplayCache
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public Task<bool> TryAddAsync(string provider, string tokenId, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (key, until) in _seen)
        {
            if (until <= now)
            {
                _seen.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, until));
            }
        }
        return Task.FromResult(_seen.TryAdd(provider.ToLowerInvariant() + " " + tokenId, now + keepFor));
    }
}

/// <summary><c>SET {prefix}bcl:{provider}:{hash of jti} NX PX</c>: one key per accepted token, gone when it expires.</summary>
internal sealed class RedisLogoutTokenReplayCache(IConnectionMultiplexer redis, SsoOptions sso) : ILogoutTokenReplayCache
{
    public async Task<bool> TryAddAsync(string provider, string tokenId, TimeSpan keepFor, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tokenId)).AsSpan(0, 16));
        RedisKey key = $"{sso.RedisKeyPrefix}bcl:{provider.ToLowerInvariant()}:{hash}";
        try
        {
            return await redis.GetDatabase().StringSetAsync(key, 1, keepFor, When.NotExists).WaitAsync(sso.StoreTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new SessionStoreUnavailableException("The Redis session store did not answer.", ex);
        }
    }
}
