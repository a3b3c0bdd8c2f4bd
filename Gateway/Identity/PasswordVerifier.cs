using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Gateway.Identity;

/// <summary>
/// Checks a username and password against the directory. Unknown and disabled users are verified against a
/// dummy hash, so every failure costs about the same time (no user enumeration by timing).
/// </summary>
/// <remarks>
/// The dummy hash has the same PRF and iteration count as most of the directory's own hashes (rebuilt when the
/// directory changes): a dummy of another cost would make unknown names measurably slower or faster than known ones
/// (bench/README.md, "Sign-in timing").
/// </remarks>
internal sealed class PasswordVerifier
{
    private readonly UserDirectory _directory;
    private readonly PasswordHasher<UserAccount> _hasher = new();
    private volatile DummyHash _dummy;

    public PasswordVerifier(UserDirectory directory)
    {
        _directory = directory;
        _dummy = CreateDummy(directory.Snapshot);
    }

    /// <returns>The account when the password is right and the account is enabled; else null.</returns>
    public UserAccount? Verify(string username, string password)
    {
        var user = _directory.Find(username);
        var hash = user?.PasswordHash ?? CurrentDummyHash;
        var result = _hasher.VerifyHashedPassword(user!, hash, password);
        return user is { Disabled: false } && result != PasswordVerificationResult.Failed ? user : null;
    }

    /// <summary>The hash unknown usernames are checked against, matching the directory in force.</summary>
    internal string CurrentDummyHash
    {
        get
        {
            var snapshot = _directory.Snapshot;
            var dummy = _dummy;
            if (!ReferenceEquals(dummy.Directory, snapshot))
            {
                _dummy = dummy = CreateDummy(snapshot);
            }
            return dummy.Hash;
        }
    }

    private DummyHash CreateDummy(IReadOnlyDictionary<string, UserAccount> users)
    {
        var password = RandomNumberGenerator.GetHexString(32);
        var profiles = users.Values
            .Select(u => PasswordHashFormat.TryReadProfile(u.PasswordHash, out var profile) ? profile : (HashProfile?)null)
            .Where(p => p is not null)
            .GroupBy(p => p!.Value)
            .OrderByDescending(g => g.Count())
            .Select(g => (HashProfile?)g.Key);
        var common = profiles.FirstOrDefault();
        var hash = common is { } profile ? PasswordHashFormat.Create(profile, password) : _hasher.HashPassword(null!, password);
        return new DummyHash(users, hash);
    }

    private sealed record DummyHash(IReadOnlyDictionary<string, UserAccount> Directory, string Hash);
}
