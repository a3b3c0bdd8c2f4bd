using System.Collections.Concurrent;
using Gateway.Configuration;
using Gateway.Metrics;
using Gateway.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Identity;

/// <summary>
/// Keeps sessions from LDAP and SQL honest: while such a session is used, its account is looked up again at most
/// every <c>RecheckInterval</c> of its directory, off the request's path (the request that finds it due goes on at
/// once), and at most once per session and interval across all instances (a claim in the shared store). An account
/// deleted or disabled there, or whose password changed (its <see cref="AccountStamp"/> is not the one the session
/// was issued under), ends the session on every instance; changed groups, email or name are written into the session. A directory that does not answer keeps the session and is asked again an interval later: an LDAP
/// outage does not sign everybody out.
/// </summary>
internal sealed partial class DirectoryRecheck(
    AccountDirectories directories,
    ISessionStore store,
    IOptions<SsoOptions> options,
    TimeProvider time,
    IServiceProvider services,
    GatewayMetrics metrics,
    ILogger<DirectoryRecheck> logger)
{
    // Re-checks running at once on this instance. A directory that hangs holds each of them (libldap's bind ignores
    // its timeout) until it answers; without a bound, thousands of sessions would each hold a pool thread. A session
    // that finds no slot stays due and is re-checked on a later request.
    private const int MaxRunning = 4;

    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _running = new(MaxRunning, MaxRunning);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _claims = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer? _redis = services.GetRequiredService<SessionStorage>().Redis;
    private readonly SsoOptions _options = options.Value;

    /// <summary>Starts a re-check of the session's account when one is due; returns at once.</summary>
    public void RecheckIfDue(SessionKey key, SessionRecord record)
    {
        if (record.Directory is not { } kind)
        {
            return;
        }
        var interval = IntervalOf(kind);
        if (record.CheckedAt is { } checkedAt && time.GetUtcNow() - checkedAt < interval)
        {
            return;
        }
        if (!_running.Wait(0))
        {
            return;
        }
        if (_inFlight.TryAdd(key.Handle, 0))
        {
            _ = Task.Run(() => RecheckAsync(key, record, kind, interval));
        }
        else
        {
            _running.Release();
        }
    }

    /// <summary>One re-check (the background task's body); holds a slot of <see cref="_running"/>, released at the end.</summary>
    private async Task RecheckAsync(SessionKey key, SessionRecord record, string kind, TimeSpan interval)
    {
        try
        {
            if (!await TryClaimAsync(key, interval))
            {
                return; // another instance checks this session in this interval
            }
            var directory = directories.Find(kind);
            var account = directory is null ? null : await directory.FindAsync(record.User, CancellationToken.None);
            var ended = account switch
            {
                null => "gone",
                { Disabled: true } => "disabled",
                // A session from before stamps were kept has none: it takes the account's current one below.
                { Stamp: { } now } when record.AccountStamp is { } held && !AccountStamp.Same(held, now) => "changed (password)",
                _ => null,
            };
            if (ended is not null)
            {
                await store.DeleteAsync(key, CancellationToken.None);
                metrics.SessionsEnded(GatewayMetrics.Directory);
                Log.SessionEnded(logger, record.User, key.Handle, kind, ended);
                return;
            }
            await store.TouchAsync(key, record with
            {
                User = account!.Username,
                Email = account.Email,
                Name = account.Name,
                Groups = [.. account.Groups],
                AccountStamp = account.Stamp ?? record.AccountStamp,
                CheckedAt = time.GetUtcNow(),
            }, CancellationToken.None);
        }
        catch (DirectoryUnavailableException)
        {
            Log.DirectoryDown(logger, record.User, key.Handle, kind);
        }
        catch (SessionStoreUnavailableException)
        {
            // The store will be asked again at the session's next use after the claim expires.
        }
        catch (Exception ex)
        {
            Log.Failed(logger, ex, key.Handle);
        }
        finally
        {
            _inFlight.TryRemove(key.Handle, out _);
            _running.Release();
        }
    }

    private TimeSpan IntervalOf(string kind) => kind switch
    {
        "ldap" => _options.Ldap.RecheckInterval,
        "sql" => _options.Sql.RecheckInterval,
        _ => TimeSpan.FromMinutes(5),
    };

    /// <summary>True for the first instance to ask within <paramref name="interval"/> (Redis <c>SET NX PX</c>, or this process).</summary>
    private async Task<bool> TryClaimAsync(SessionKey key, TimeSpan interval)
    {
        if (_redis is not null)
        {
            try
            {
                return await _redis.GetDatabase()
                    .StringSetAsync($"{_options.RedisKeyPrefix}rc:{key.Handle}", 1, interval, When.NotExists)
                    .WaitAsync(_options.StoreTimeout);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw new SessionStoreUnavailableException("The Redis session store did not answer.", ex);
            }
        }
        var now = time.GetUtcNow();
        if (_claims.Count > 10_000)
        {
            foreach (var (handle, until) in _claims)
            {
                if (until <= now)
                {
                    _claims.TryRemove(new KeyValuePair<string, DateTimeOffset>(handle, until));
                }
            }
        }
        var claimedUntil = _claims.AddOrUpdate(key.Handle, now + interval, (_, until) => until <= now ? now + interval : until);
        return claimedUntil == now + interval;
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Identity.RecheckSessionEnded, LogLevel.Warning, "Audit: session {SessionHandle} of {User} ended: the account is {Reason} in the {Directory} directory")]
        public static partial void SessionEnded(ILogger logger, string user, string sessionHandle, string directory, string reason);

        [LoggerMessage(GatewayEventIds.Identity.RecheckDirectoryDown, LogLevel.Warning, "Re-check of session {SessionHandle} of {User} postponed: the {Directory} directory did not answer; the session is kept")]
        public static partial void DirectoryDown(ILogger logger, string user, string sessionHandle, string directory);

        [LoggerMessage(GatewayEventIds.Identity.RecheckFailed, LogLevel.Error, "Re-check of session {SessionHandle} failed")]
        public static partial void Failed(ILogger logger, Exception exception, string sessionHandle);
    }
}
