using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;
using Gateway.Identity;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// The Redis key names of the session store, all under <see cref="SsoOptions.RedisKeyPrefix"/>:
/// <list type="bullet">
/// <item><c>{prefix}s:{key}</c> — the session record (JSON string), TTL = its expiry;</item>
/// <item><c>{prefix}h:{handle}</c> — the session key for a handle (admin API), same TTL;</item>
/// <item><c>{prefix}u:{user}</c> — a sorted set of the user's session keys scored by expiry (Unix ms),
/// TTL = the latest expiry; entries past their score are removed on every write and listing.</item>
/// <item><c>{prefix}ps:{provider}:{hash of sid}</c> and <c>{prefix}pu:{provider}:{hash of sub}</c> — sorted sets like the
/// user index, of the sessions that came from one OpenID Connect provider session or subject (back-channel logout);
/// hashed, so that a provider's long or odd identifiers make short keys.</item>
/// </list>
/// User names are normalised as the directory compares them (<see cref="UserNames"/>); provider names are lower-cased (invariant).
/// </summary>
internal sealed class RedisSessionKeys(string prefix)
{
    public RedisKey Session(SessionKey key) => prefix + "s:" + key.Value;

    public RedisKey Handle(string handle) => prefix + "h:" + handle;

    public RedisKey User(string user) => prefix + "u:" + UserNames.Normalize(user);

    public RedisKey ProviderSession(string provider, string sessionId) => prefix + "ps:" + provider.ToLowerInvariant() + ":" + Hash(sessionId);

    public RedisKey ProviderSubject(string provider, string subject) => prefix + "pu:" + provider.ToLowerInvariant() + ":" + Hash(subject);

    private static string Hash(string value) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 16));
}
