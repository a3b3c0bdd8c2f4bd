using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Once Redis has failed to answer, session requests fail at once (503, or forwarded without identity on public routes)
/// instead of each waiting <c>Sso:StoreTimeout</c> for a store that is known to be down, which during an outage would
/// hold every request for seconds and pile them up. A background PING every quarter second closes the circuit as soon
/// as Redis answers again.
/// </summary>
internal sealed partial class RedisStoreCircuit(IConnectionMultiplexer redis, TimeSpan storeTimeout, ILogger<RedisStoreCircuit> logger)
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    private int _open;
    private long _openings;

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    /// <summary>How many times the circuit opened (metrics).</summary>
    public long Openings => Interlocked.Read(ref _openings);

    /// <summary>Called when a command failed for want of an answer; the first failure starts the probing.</summary>
    public void Trip()
    {
        if (Interlocked.Exchange(ref _open, 1) == 0)
        {
            Interlocked.Increment(ref _openings);
            Log.Opened(logger);
            _ = ProbeUntilAnsweredAsync();
        }
    }

    // Real time on purpose: this is about the network, not about session time (which tests may fake).
    private async Task ProbeUntilAnsweredAsync()
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            await Task.Delay(ProbeInterval);
            try
            {
                await redis.GetDatabase().PingAsync().WaitAsync(storeTimeout);
                Volatile.Write(ref _open, 0);
                Log.Closed(logger, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Sessions.StoreCircuitOpened, LogLevel.Warning, "Session store not answering: session requests fail at once until it answers again")]
        public static partial void Opened(ILogger logger);

        [LoggerMessage(GatewayEventIds.Sessions.StoreCircuitClosed, LogLevel.Information, "Session store answers again after {Seconds:0.0} s")]
        public static partial void Closed(ILogger logger, double seconds);
    }
}
