using System.Collections.Frozen;
using System.Threading.Channels;
using Gateway.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Identity;

/// <summary>
/// The user directory from <c>Sso:UsersFile</c>. Loaded at startup (a bad file stops startup), then watched:
/// a good edit is swapped in atomically, a bad edit is logged and the last good copy stays in force.
/// </summary>
/// <remarks>
/// Two triggers, one reload path: the file provider's change token (inotify, or polling when
/// <c>DOTNET_USE_POLLING_FILE_WATCHER</c> is set) for a prompt reload, and a check of the file's fingerprint
/// (final symlink target, last write time, length) every <see cref="CheckInterval"/> on <see cref="TimeProvider"/>,
/// which catches what the watcher misses: lost inotify events in some containers, and Kubernetes ConfigMap
/// updates, which swap a symlink in a hidden folder rather than touch the file.
/// </remarks>
internal sealed partial class UserDirectory : IDisposable
{
    /// <summary>How often the fingerprint of the file is compared with the last one read.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    // Editors write in several steps (truncate, write, rename); let the burst of events settle before reading.
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(100);

    // A file being replaced may be missing or locked for a moment: try again before calling the edit bad.
    private static readonly TimeSpan[] RetryDelays =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger<UserDirectory> _logger;
    private readonly PhysicalFileProvider? _fileProvider;
    private readonly IDisposable? _watch;
    private readonly ITimer? _check;
    private readonly Channel<bool> _reloadRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private volatile FrozenDictionary<string, UserAccount> _users;
    private volatile FileFingerprint? _lastRead;

    public UserDirectory(IOptions<SsoOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<UserDirectory> logger)
    {
        _logger = logger;
        _time = time;
        if (string.IsNullOrEmpty(options.Value.UsersFile))
        {
            // Sso:UsersFile "": people sign in at OpenID Connect providers only. An empty directory, nothing to watch.
            _path = "";
            _users = FrozenDictionary<string, UserAccount>.Empty;
            _fileProvider = null;
            _watch = null;
            _check = null;
            return;
        }
        _path = Path.GetFullPath(options.Value.UsersFile, environment.ContentRootPath);
        _lastRead = UsersFileReader.Fingerprint(_path);
        _users = UsersFileReader.Read(_path);
        Log.Loaded(_logger, _users.Count, _path);

        _fileProvider = new PhysicalFileProvider(Path.GetDirectoryName(_path)!, ExclusionFilters.None);
        var fileName = Path.GetFileName(_path);
        _watch = ChangeToken.OnChange(() => _fileProvider.Watch(fileName), () => _reloadRequests.Writer.TryWrite(true));
        _check = time.CreateTimer(_ => CheckFingerprint(), null, CheckInterval, CheckInterval);
        _ = ReloadLoopAsync(_stopping.Token);
    }

    public int Count => _users.Count;

    /// <summary>Raised after a reload with the users it removed or disabled (so their sessions can be ended at once).</summary>
    public event Action<IReadOnlyList<string>>? UsersRevoked;

    /// <summary>
    /// Raised after a reload with the enabled users whose <see cref="AccountStamp"/> changed (a new password hash, or
    /// another account under the name), so that the sessions issued under the old stamp can be ended at once.
    /// </summary>
    public event Action<IReadOnlyList<string>>? CredentialsChanged;

    /// <summary>Finds a user by name, compared as <see cref="UserNames"/> does. A dictionary lookup: cheap enough for every request.</summary>
    public UserAccount? Find(string username) => _users.GetValueOrDefault(UserNames.Normalize(username));

    /// <summary>Changes (by reference) whenever an edit of the users file loads: what was checked against one version still holds while it is current.</summary>
    public object Version => _users;

    /// <summary>True when the user exists and is not disabled: their sessions may be used.</summary>
    public bool IsActive(string username) => Find(username) is { Disabled: false };

    private void CheckFingerprint()
    {
        if (UsersFileReader.Fingerprint(_path) != _lastRead)
        {
            _reloadRequests.Writer.TryWrite(true);
        }
    }

    private async Task ReloadLoopAsync(CancellationToken stopping)
    {
        try
        {
            while (await _reloadRequests.Reader.WaitToReadAsync(stopping))
            {
                await Task.Delay(SettleDelay, _time, stopping);
                while (_reloadRequests.Reader.TryRead(out _))
                {
                }
                await ReloadAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task ReloadAsync(CancellationToken stopping)
    {
        for (var attempt = 0; ; attempt++)
        {
            var fingerprint = UsersFileReader.Fingerprint(_path);
            try
            {
                var previous = _users;
                _users = UsersFileReader.Read(_path);
                _lastRead = fingerprint;
                Log.Reloaded(_logger, _users.Count, _path);
                LogRevocations(previous, _users);
                return;
            }
            catch (UserDirectoryException ex) when (ex.Transient && attempt < RetryDelays.Length)
            {
                await Task.Delay(RetryDelays[attempt], _time, stopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Remember the bad file too, so that it is reported once, not on every check.
                _lastRead = fingerprint;
                Log.ReloadRejected(_logger, _path, ex is UserDirectoryException ? ex.Message : ex.GetType().Name + ": " + ex.Message);
                return;
            }
        }
    }

    // Their sessions end at once (DirectoryRevocation) and in any case on their next request
    // (SessionCookieEvents.ValidatePrincipal checks IsActive).
    private void LogRevocations(FrozenDictionary<string, UserAccount> previous, FrozenDictionary<string, UserAccount> current)
    {
        var revoked = previous
            .Where(user => !user.Value.Disabled && current.GetValueOrDefault(user.Key) is null or { Disabled: true })
            .Select(user => user.Value.Username)
            .ToList();
        if (revoked.Count > 0)
        {
            Log.UsersRevoked(_logger, revoked);
            UsersRevoked?.Invoke(revoked);
        }
        var changed = current
            .Where(user => !user.Value.Disabled && previous.GetValueOrDefault(user.Key) is { Disabled: false } before
                && before.Stamp != user.Value.Stamp)
            .Select(user => user.Value.Username)
            .ToList();
        if (changed.Count > 0)
        {
            Log.CredentialsChanged(_logger, changed);
            CredentialsChanged?.Invoke(changed);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _check?.Dispose();
        _watch?.Dispose();
        _fileProvider?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Identity.DirectoryLoaded, LogLevel.Information, "User directory loaded: {UserCount} users from {UsersFile}")]
        public static partial void Loaded(ILogger logger, int userCount, string usersFile);

        [LoggerMessage(GatewayEventIds.Identity.DirectoryReloaded, LogLevel.Information, "User directory reloaded: {UserCount} users from {UsersFile}")]
        public static partial void Reloaded(ILogger logger, int userCount, string usersFile);

        [LoggerMessage(GatewayEventIds.Identity.DirectoryReloadRejected, LogLevel.Error, "User directory edit rejected, the last good copy stays in force ({UsersFile}): {Reason}")]
        public static partial void ReloadRejected(ILogger logger, string usersFile, string reason);

        [LoggerMessage(GatewayEventIds.Identity.CredentialsChanged, LogLevel.Warning, "Audit: password or identity of users changed in the user directory, their earlier sessions are ended: {Users}")]
        public static partial void CredentialsChanged(ILogger logger, IReadOnlyList<string> users);

        [LoggerMessage(GatewayEventIds.Identity.UsersRevoked, LogLevel.Warning, "Audit: users removed or disabled in the user directory, their sessions are ended: {Users}")]
        public static partial void UsersRevoked(ILogger logger, IReadOnlyList<string> users);
    }
}
