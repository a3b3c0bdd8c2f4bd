using Gateway.Metrics;
using Gateway.Sessions;

namespace Gateway.Identity;

/// <summary>
/// Ends the sessions of users removed from or disabled in the directory as soon as the edit is loaded, so that
/// re-enabling an account later does not bring an old session back; likewise the sessions issued under an account's
/// earlier <see cref="AccountStamp"/> (its password hash changed, or another account took the name), so that putting
/// the old hash back does not revive them. Every instance does it; it is idempotent.
/// </summary>
internal sealed partial class DirectoryRevocation(UserDirectory directory, ISessionStore store, GatewayMetrics metrics, ILogger<DirectoryRevocation> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        directory.UsersRevoked += OnUsersRevoked;
        directory.CredentialsChanged += OnCredentialsChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        directory.UsersRevoked -= OnUsersRevoked;
        directory.CredentialsChanged -= OnCredentialsChanged;
        return Task.CompletedTask;
    }

    private void OnUsersRevoked(IReadOnlyList<string> users) => _ = EndSessionsAsync(users);

    private async Task EndSessionsAsync(IReadOnlyList<string> users)
    {
        foreach (var user in users)
        {
            try
            {
                var ended = await store.DeleteByUserAsync(user, CancellationToken.None);
                metrics.SessionsEnded(GatewayMetrics.Directory, ended.Count);
                Log.SessionsEnded(logger, user, ended.Count);
            }
            catch (SessionStoreUnavailableException)
            {
                // The per-request directory check still refuses these sessions while the account stays disabled.
                Log.StoreUnavailable(logger, user);
            }
        }
    }

    private void OnCredentialsChanged(IReadOnlyList<string> users) => _ = EndStaleSessionsAsync(users);

    private async Task EndStaleSessionsAsync(IReadOnlyList<string> users)
    {
        foreach (var user in users)
        {
            try
            {
                var ended = 0;
                foreach (var session in await store.ListByUserAsync(user, CancellationToken.None))
                {
                    // Users-file sessions only (a provider's session has no stamp), and only those of another stamp: the
                    // user may have signed in again under the new one already.
                    if (session.Record.Provider is null
                        && session.Record.AccountStamp != directory.Find(user)?.Stamp
                        && await store.DeleteByHandleAsync(session.Key.Handle, CancellationToken.None) is not null)
                    {
                        ended++;
                    }
                }
                metrics.SessionsEnded(GatewayMetrics.Directory, ended);
                Log.StaleSessionsEnded(logger, user, ended);
            }
            catch (SessionStoreUnavailableException)
            {
                // The per-request stamp check still refuses these sessions.
                Log.StoreUnavailable(logger, user);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Identity.RevocationStaleSessionsEnded, LogLevel.Warning, "Audit: ended {Count} sessions of {User}, whose password or identity changed in the user directory")]
        public static partial void StaleSessionsEnded(ILogger logger, string user, int count);

        [LoggerMessage(GatewayEventIds.Identity.RevocationSessionsEnded, LogLevel.Warning, "Audit: ended {Count} sessions of {User}, removed or disabled in the user directory")]
        public static partial void SessionsEnded(ILogger logger, string user, int count);

        [LoggerMessage(GatewayEventIds.Identity.RevocationStoreUnavailable, LogLevel.Warning, "Could not end the sessions of {User} (session store unavailable); they are refused while the account stays disabled")]
        public static partial void StoreUnavailable(ILogger logger, string user);
    }
}
