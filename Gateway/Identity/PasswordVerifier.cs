using Microsoft.AspNetCore.Identity;

namespace Gateway.Identity;

/// <summary>
/// Checks a username and password against the directory. Unknown and disabled users are verified against a
/// dummy hash, so every failure costs about the same time (no user enumeration by timing).
/// </summary>
internal sealed class PasswordVerifier
{
    private readonly UserDirectory _directory;
    private readonly PasswordHasher<UserAccount> _hasher = new();
    private readonly string _dummyHash;

    public PasswordVerifier(UserDirectory directory)
    {
        _directory = directory;
        _dummyHash = _hasher.HashPassword(null!, Guid.NewGuid().ToString());
    }

    /// <returns>The account when the password is right and the account is enabled; else null.</returns>
    public UserAccount? Verify(string username, string password)
    {
        var user = _directory.Find(username);
        var hash = user?.PasswordHash ?? _dummyHash;
        var result = _hasher.VerifyHashedPassword(user!, hash, password);
        return user is { Disabled: false } && result != PasswordVerificationResult.Failed ? user : null;
    }
}
