using Gateway.Configuration;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// The Redis key names of the session store, all under <see cref="SsoOptions.RedisKeyPrefix"/>:
/// <list type="bullet">
/// <item><c>{prefix}s:{key}</c> — the session record (JSON string), TTL = its expiry;</item>
/// <item><c>{prefix}h:{handle}</c> — the session key for a handle (admin API), same TTL;</item>
/// <item><c>{prefix}u:{user}</c> — a sorted set of the user's session keys scored by expiry (Unix ms),
/// TTL = the latest expiry; entries past their score are removed on every write and listing.</item>
/// </list>
/// User names are lower-cased (invariant), as they match case-insensitively.
/// </summary>
internal sealed class RedisSessionKeys(string prefix)
{
    public RedisKey Session(SessionKey key) => prefix + "s:" + key.Value;

    public RedisKey Handle(string handle) => prefix + "h:" + handle;

    public RedisKey User(string user) => prefix + "u:" + user.ToLowerInvariant();
}
