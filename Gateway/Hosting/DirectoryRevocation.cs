using Gateway.Identity;
using Gateway.Sessions;

namespace Gateway.Hosting;

/// <summary>
/// Ends the sessions of users removed from or disabled in the directory as soon as the edit is loaded, so that
/// re-enabling an account later does not bring an old session back. Every instance does it; it is idempotent.
/// </summary>
internal sealed partial class DirectoryRevocation(UserDirectory directory, ISessionStore store, ILogger<DirectoryRevocation> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        directory.UsersRevoked += OnUsersRevoked;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        directory.UsersRevoked -= OnUsersRevoked;
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
                Log.SessionsEnded(logger, user, ended.Count);
            }
            catch (SessionStoreUnavailableException)
            {
                // The per-request directory check still refuses these sessions while the account stays disabled.
                Log.StoreUnavailable(logger, user);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(120, LogLevel.Warning, "Audit: ended {Count} sessions of {User}, removed or disabled in the user directory")]
        public static partial void SessionsEnded(ILogger logger, string user, int count);

        [LoggerMessage(121, LogLevel.Warning, "Could not end the sessions of {User} (session store unavailable); they are refused while the account stays disabled")]
        public static partial void StoreUnavailable(ILogger logger, string user);
    }
}
