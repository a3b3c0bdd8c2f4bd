using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace Gateway.KeyRing;

/// <summary>
/// Keeps every instance on one Data Protection key ring. At start it loads the ring (so an instance holds the keys
/// before Redis could lose them); then every few seconds it puts back keys Redis lost, so that instances started
/// after a Redis restart without persistence read the same keys as those already running.
/// A Redis that is down is not an error here: readiness reports it, and the next tick tries again.
/// </summary>
internal sealed partial class KeyRingKeeper(
    RedisKeyRing ring,
    IDataProtectionProvider dataProtection,
    TimeProvider time,
    ILogger<KeyRingKeeper> logger) : IHostedService, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private ITimer? _timer;
    private bool _loaded;
    private bool _warned;
    private int _running;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        TryLoad();
        _timer = time.CreateTimer(_ => _ = TickAsync(), null, Interval, Interval);
        return Task.CompletedTask;
    }

    private async Task TickAsync()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }
        try
        {
            if (!_loaded)
            {
                TryLoad();
            }
            var restored = await ring.RestoreMissingAsync(CancellationToken.None);
            if (restored > 0)
            {
                Log.Restored(logger, restored);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Redis is down (or the gateway is stopping): nothing to do until the next tick.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Protecting anything makes Data Protection read the ring (and create the first key when there is none).</summary>
    private void TryLoad()
    {
        try
        {
            dataProtection.CreateProtector("SsoGateway.KeyRingKeeper").Protect([1]);
            _loaded = true;
        }
        catch (Exception ex)
        {
            if (!_warned)
            {
                Log.NotLoaded(logger, ex.GetBaseException().GetType().Name);
                _warned = true;
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _timer?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.KeyRing.Restored, LogLevel.Warning, "The Data Protection key ring in Redis had lost {KeyCount} keys (Redis restarted without its data?); they are back")]
        public static partial void Restored(ILogger logger, int keyCount);

        [LoggerMessage(GatewayEventIds.KeyRing.NotLoaded, LogLevel.Warning, "The Data Protection key ring could not be loaded yet ({Fault}); retrying")]
        public static partial void NotLoaded(ILogger logger, string fault);
    }
}
