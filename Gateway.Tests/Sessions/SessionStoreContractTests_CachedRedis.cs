using Gateway.Configuration;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Tests.Sessions;

/// <summary>
/// The store as production runs it: Redis behind this instance's session cache and its pub/sub invalidation
/// (<see cref="CachingSessionStore"/>), on a real <c>redis-server</c>.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SessionStoreContractTests_CachedRedis(RedisServerFixture redis) : SessionStoreContractTests
{
    private readonly string _prefix = $"c{Guid.NewGuid():N}:";
    private ConnectionMultiplexer? _connection;
    private RedisSessionInvalidation? _invalidation;

    private protected override bool VouchesLocally => true;

    private protected override async Task<ISessionStore> CreateStoreAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var options = Options.Create(new SsoOptions { RedisKeyPrefix = _prefix });
        var cache = new SessionCache(Time, 1000, TimeSpan.FromMinutes(1));
        _invalidation = new RedisSessionInvalidation(_connection, cache, options, NullLogger<RedisSessionInvalidation>.Instance);
        await _invalidation.StartAsync(default);
        return new CachingSessionStore(new RedisSessionStore(_connection, options, Time), cache, _invalidation);
    }

    private protected override async Task LetExpireAsync(SessionKey key, SessionRecord record)
    {
        await Poll.UntilAsync(async () => await redis.IntegerAsync("EXISTS", _prefix + "s:" + key.Value) == 0,
            TimeSpan.FromSeconds(10), "Redis expires the session key by its TTL");
        Time.SetUtcNow(record.ExpiresAt);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_invalidation is not null)
        {
            await _invalidation.StopAsync(default);
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
