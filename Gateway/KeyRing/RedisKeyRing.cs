using System.Collections.Concurrent;
using System.Xml.Linq;
using Gateway.Cookies;
using Gateway.Sessions;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using StackExchange.Redis;

namespace Gateway.KeyRing;

/// <summary>
/// The Data Protection key ring in Redis (a list of key XML under <c>{prefix}dataprotection-keys</c>), shared by
/// every instance. Two additions to the framework's <see cref="RedisXmlRepository"/>:
/// <list type="bullet">
/// <item>When Redis does not answer, the request that needed the ring is marked as a store failure (a challenge
/// becomes 503, as for a session lookup) and the fault surfaces as <see cref="SessionStoreUnavailableException"/>
/// (503), never as a 500 or a silent sign-out.</item>
/// <item>It remembers every key it has seen, so that <see cref="RestoreMissingAsync"/> can put back keys that Redis
/// lost (a restart without persistence): instances then keep reading each other's cookies.</item>
/// </list>
/// </summary>
internal sealed class RedisKeyRing(IConnectionMultiplexer redis, RedisKey key, IHttpContextAccessor requests, TimeSpan timeout)
    : IXmlRepository
{
    // KEYS[1] the ring; ARGV the remembered elements. Appends those not present (exact text), atomically.
    private const string RestoreScript = """
        local present = {}
        for _, element in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do present[element] = true end
        local added = 0
        for _, element in ipairs(ARGV) do
            if not present[element] then redis.call('RPUSH', KEYS[1], element); added = added + 1 end
        end
        return added
        """;

    private readonly RedisXmlRepository _inner = new(() => redis.GetDatabase(), key);
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        try
        {
            var elements = _inner.GetAllElements();
            foreach (var element in elements)
            {
                _known.TryAdd(element.ToString(SaveOptions.DisableFormatting), 0);
            }
            return elements;
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        try
        {
            _inner.StoreElement(element, friendlyName);
            _known.TryAdd(element.ToString(SaveOptions.DisableFormatting), 0);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            throw Unavailable(ex);
        }
    }

    /// <returns>How many remembered keys Redis had lost and got back.</returns>
    public async Task<int> RestoreMissingAsync(CancellationToken cancellationToken)
    {
        if (_known.IsEmpty)
        {
            return 0;
        }
        var elements = _known.Keys.Select(e => (RedisValue)e).ToArray();
        var added = await redis.GetDatabase().ScriptEvaluateAsync(RestoreScript, [key], elements)
            .WaitAsync(timeout, cancellationToken);
        return (int)added;
    }

    private SessionStoreUnavailableException Unavailable(Exception fault)
    {
        if (requests.HttpContext is { } request)
        {
            SessionStoreFailure.MarkOn(request);
        }
        return new SessionStoreUnavailableException("The Data Protection key ring in Redis did not answer.", fault);
    }
}
