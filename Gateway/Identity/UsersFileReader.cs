using System.Collections.Frozen;
using System.Text.Json;

namespace Gateway.Identity;

/// <summary>Reads and checks <c>users.json</c> (SPEC §10). Every failure is a <see cref="UserDirectoryException"/> naming the key.</summary>
internal static class UsersFileReader
{
    public static FrozenDictionary<string, UserAccount> Read(string path)
    {
        UsersFileContent? content;
        try
        {
            // Share everything: an editor or a deployment tool may be writing, renaming or deleting the file right now.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            content = JsonSerializer.Deserialize(stream, UsersJsonContext.Default.UsersFileContent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserDirectoryException($"Sso:UsersFile: cannot read '{path}': {ex.Message}", transient: true);
        }
        catch (JsonException ex)
        {
            throw new UserDirectoryException($"Sso:UsersFile: '{path}' is not valid: {ex.Message}");
        }
        if (content?.Users is null)
        {
            throw new UserDirectoryException($"Sso:UsersFile: '{path}' has no \"users\" array.");
        }

        // Keyed by the normalised name (UserNames): a lookup finds the user whichever way the name is spelled.
        var users = new Dictionary<string, UserAccount>(StringComparer.Ordinal);
        foreach (var user in content.Users)
        {
            if (user is null || string.IsNullOrWhiteSpace(user.Username))
            {
                throw new UserDirectoryException($"Sso:UsersFile: '{path}' has a user without a username.");
            }
            if (user.PasswordHash is null || !PasswordHashFormat.IsVersion3(user.PasswordHash))
            {
                throw new UserDirectoryException(
                    $"Sso:UsersFile: user '{user.Username}' in '{path}' has a passwordHash that is not an Identity v3 hash.");
            }
            if (!users.TryAdd(UserNames.Normalize(user.Username), user with { Stamp = AccountStamp.Of(user) }))
            {
                throw new UserDirectoryException($"Sso:UsersFile: user '{user.Username}' appears twice in '{path}'.");
            }
        }
        return users.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// What the file is now, cheaply (one or two stat calls): its final target through symlinks (a Kubernetes
    /// ConfigMap swaps a symlink), last write time and length. Null when the file is missing.
    /// </summary>
    public static FileFingerprint? Fingerprint(string path)
    {
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            var file = new FileInfo(target);
            return file.Exists ? new FileFingerprint(target, file.LastWriteTimeUtc, file.Length) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

internal sealed record FileFingerprint(string Target, DateTime LastWriteUtc, long Length);

/// <summary>The users file cannot be used; the message names the key and the file.</summary>
internal sealed class UserDirectoryException(string message, bool transient = false) : Exception(message)
{
    /// <summary>The file could not be read (it may be in the middle of being replaced): worth another try.</summary>
    public bool Transient { get; } = transient;
}
