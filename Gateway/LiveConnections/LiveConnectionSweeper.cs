using Gateway.Configuration;
using Gateway.Sessions;
using Microsoft.Extensions.Options;

namespace Gateway.LiveConnections;

/// <summary>
/// Ends live connections: at once when this instance hears a session was revoked (the session cache's revocations,
/// fed by Redis pub/sub from every instance), and by a re-check four times a second for the ones that are due
/// (their session's known end has come, or the re-check interval passed). With the cache's revocation messages the
/// interval is 30 s (they carry sign-outs and revocations; the re-check only covers a lost message); without them
/// (the in-memory store, or the cache switched off) every connection is re-checked on every sweep.
/// </summary>
internal sealed class LiveConnectionSweeper(
    LiveConnectionRegistry registry,
    TimeProvider time,
    IOptions<SsoOptions> options,
    IServiceProvider services) : BackgroundService
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan RecheckWithMessages = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cache = services.GetService<SessionCache>();
        if (cache is not null && !string.IsNullOrEmpty(options.Value.Redis))
        {
            cache.Revoked += registry.End;
            cache.Cleared += registry.RecheckAll;
            registry.RecheckEvery = RecheckWithMessages;
        }
        try
        {
            using var timer = new PeriodicTimer(SweepInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (registry.Count > 0)
                {
                    await registry.SweepAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (cache is not null)
            {
                cache.Revoked -= registry.End;
                cache.Cleared -= registry.RecheckAll;
            }
        }
    }
}
