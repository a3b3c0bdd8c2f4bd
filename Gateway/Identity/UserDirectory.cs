using System.Collections.Frozen;
using System.Text.Json;
using Gateway.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Identity;

/// <summary>
/// The user directory from <c>Sso:UsersFile</c>. Loaded at startup (a bad file stops startup), then watched:
/// a good edit is swapped in atomically, a bad edit is logged and the last good copy stays in force.
/// </summary>
internal sealed partial class UserDirectory : IDisposable
{
    private readonly string _path;
    private readonly ILogger<UserDirectory> _logger;
    private readonly PhysicalFileProvider _fileProvider;
    private readonly IDisposable _watch;
    private volatile FrozenDictionary<string, UserAccount> _users;

    public UserDirectory(IOptions<SsoOptions> options, IHostEnvironment environment, ILogger<UserDirectory> logger)
    {
        _logger = logger;
        _path = Path.GetFullPath(options.Value.UsersFile, environment.ContentRootPath);
        _users = Load(_path);
        _fileProvider = new PhysicalFileProvider(Path.GetDirectoryName(_path)!);
        var fileName = Path.GetFileName(_path);
        _watch = ChangeToken.OnChange(() => _fileProvider.Watch(fileName), Reload);
        Log.Loaded(_logger, _users.Count, _path);
    }

    /// <summary>Raised after a good edit has been swapped in.</summary>
    public event Action? Changed;

    public int Count => _users.Count;

    /// <summary>Finds a user by name, case-insensitively.</summary>
    public UserAccount? Find(string username) => _users.GetValueOrDefault(username);

    /// <summary>True when the user exists and is not disabled: their sessions may be used.</summary>
    public bool IsActive(string username) => Find(username) is { Disabled: false };

    private void Reload()
    {
        try
        {
            _users = Load(_path);
            Log.Reloaded(_logger, _users.Count, _path);
            Changed?.Invoke();
        }
        catch (UserDirectoryException ex)
        {
            Log.ReloadRejected(_logger, _path, ex.Message);
        }
    }

    internal static FrozenDictionary<string, UserAccount> Load(string path)
    {
        UsersFileContent? content;
        try
        {
            using var stream = ReadShared(path);
            content = JsonSerializer.Deserialize(stream, UsersJsonContext.Default.UsersFileContent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserDirectoryException($"Sso:UsersFile: cannot read '{path}': {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new UserDirectoryException($"Sso:UsersFile: '{path}' is not valid: {ex.Message}");
        }
        if (content?.Users is null)
        {
            throw new UserDirectoryException($"Sso:UsersFile: '{path}' has no \"users\" array.");
        }

        var users = new Dictionary<string, UserAccount>(StringComparer.OrdinalIgnoreCase);
        foreach (var user in content.Users)
        {
            if (string.IsNullOrWhiteSpace(user.Username))
            {
                throw new UserDirectoryException($"Sso:UsersFile: '{path}' has a user without a username.");
            }
            if (!PasswordHashFormat.IsVersion3(user.PasswordHash))
            {
                throw new UserDirectoryException(
                    $"Sso:UsersFile: user '{user.Username}' in '{path}' has a passwordHash that is not an Identity v3 hash.");
            }
            if (!users.TryAdd(user.Username, user))
            {
                throw new UserDirectoryException($"Sso:UsersFile: user '{user.Username}' appears twice in '{path}'.");
            }
        }
        return users.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    // Editors may still hold the file while the watcher fires; retry briefly rather than keep a stale copy.
    private static FileStream ReadShared(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (IOException) when (attempt < 5 && File.Exists(path))
            {
                Thread.Sleep(50 * attempt);
            }
        }
    }

    public void Dispose()
    {
        _watch.Dispose();
        _fileProvider.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information, "User directory loaded: {UserCount} users from {UsersFile}")]
        public static partial void Loaded(ILogger logger, int userCount, string usersFile);

        [LoggerMessage(1002, LogLevel.Information, "User directory reloaded: {UserCount} users from {UsersFile}")]
        public static partial void Reloaded(ILogger logger, int userCount, string usersFile);

        [LoggerMessage(1003, LogLevel.Error, "User directory edit rejected, the last good copy stays in force ({UsersFile}): {Reason}")]
        public static partial void ReloadRejected(ILogger logger, string usersFile, string reason);
    }
}

/// <summary>The users file cannot be used; the message names the key and the file.</summary>
internal sealed class UserDirectoryException(string message) : Exception(message);
