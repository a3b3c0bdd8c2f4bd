using Gateway.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Session invalidation over Redis pub/sub on <c>{prefix}ended</c> (one message per batch, keys separated by
/// spaces). Every instance subscribes and drops the ended sessions from its <see cref="SessionCache"/>. Messages
/// can be lost while a connection is down, so losing or regaining the connection clears the whole cache: after an
/// outage every session is checked against the store again. Every instance also publishes a heartbeat
/// (<see cref="Heartbeat"/>) twice a second, so each one knows its subscription still delivers
/// (<see cref="SessionCache.MarkHeard"/>) and trusts nothing when it stops hearing it.
/// </summary>
internal sealed partial class RedisSessionInvalidation : ISessionInvalidation, IHostedService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly SessionCache _cache;
    private readonly ILogger<RedisSessionInvalidation> _logger;
    private readonly RedisChannel _channel;
    private readonly TimeSpan _timeout;
    private ITimer? _heartbeat;

    /// <summary>The heartbeat message: never a session key (those are hexadecimal).</summary>
    public const string Heartbeat = "!";

    /// <summary>Before a key: the session changed rather than ended.</summary>
    public const char ChangedMarker = '~';

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);

    public RedisSessionInvalidation(
        IConnectionMultiplexer redis, SessionCache cache, IOptions<SsoOptions> options, ILogger<RedisSessionInvalidation> logger)
    {
        _redis = redis;
        _cache = cache;
        _logger = logger;
        _channel = RedisChannel.Literal(options.Value.RedisKeyPrefix + "ended");
        _timeout = options.Value.StoreTimeout;
    }

    public async Task PublishAsync(IReadOnlyList<SessionKey> keys, CancellationToken cancellationToken)
    {
        var message = string.Join(' ', keys.Select(k => k.Value));
        try
        {
            await _redis.GetSubscriber().PublishAsync(_channel, message).WaitAsync(_timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The store already ended the sessions; other instances stop trusting their copies within the trust window.
            Log.PublishFailed(_logger, keys.Count, ex.GetType().Name);
        }
    }

    public async Task PublishChangedAsync(SessionKey key, CancellationToken cancellationToken)
    {
        try
        {
            await _redis.GetSubscriber().PublishAsync(_channel, ChangedMarker + key.Value).WaitAsync(_timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.PublishFailed(_logger, 1, ex.GetType().Name);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionFailed += OnConnectionChanged;
        _redis.ConnectionRestored += OnConnectionChanged;
        try
        {
            // The multiplexer re-subscribes by itself after a reconnect, including when this first attempt fails.
            await _redis.GetSubscriber().SubscribeAsync(_channel, OnMessage).WaitAsync(_timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.SubscribeDeferred(_logger, ex.GetType().Name);
        }
        // On the real clock, like the cache's listening window: the heartbeat measures a connection, not sessions.
        _heartbeat = TimeProvider.System.CreateTimer(_ => PublishHeartbeat(), null, TimeSpan.Zero, HeartbeatInterval);
    }

    private void PublishHeartbeat()
    {
        try
        {
            _redis.GetSubscriber().Publish(_channel, Heartbeat, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Not heard, so not trusted: the cache stops vouching within its listening window.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _heartbeat?.Dispose();
        _redis.ConnectionFailed -= OnConnectionChanged;
        _redis.ConnectionRestored -= OnConnectionChanged;
        return _redis.GetSubscriber().UnsubscribeAsync(_channel, OnMessage);
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        _cache.MarkHeard();
        if (message == Heartbeat)
        {
            return;
        }
        foreach (var key in message.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (key[0] == ChangedMarker)
            {
                _cache.Invalidate(key[1..]);
            }
            else
            {
                _cache.Remove(key);
            }
        }
    }

    private void OnConnectionChanged(object? sender, ConnectionFailedEventArgs e) => _cache.Clear();

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Sessions.InvalidationPublishFailed, LogLevel.Warning, "Could not announce {Count} ended sessions to the other instances ({Fault}); their caches expire them within the trust window")]
        public static partial void PublishFailed(ILogger logger, int count, string fault);

        [LoggerMessage(GatewayEventIds.Sessions.InvalidationSubscribeDeferred, LogLevel.Warning, "Session invalidation subscription deferred until Redis answers ({Fault})")]
        public static partial void SubscribeDeferred(ILogger logger, string fault);
    }
}
