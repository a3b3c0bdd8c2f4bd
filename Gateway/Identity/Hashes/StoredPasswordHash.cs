using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Gateway.Identity.Hashes;

/// <summary>
/// Password hashes as existing sites store them: ASP.NET Core Identity v2 and v3 (base64), bcrypt
/// (<c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c>: PHP's <c>password_hash</c>) and argon2id in the PHC string format
/// (<c>$argon2id$v=19$m=…,t=…,p=…$salt$hash</c>: PHP's <c>PASSWORD_ARGON2ID</c>). Each is checked by a kept library
/// (the framework's <see cref="PasswordHasher{TUser}"/>, BCrypt.Net-Next, Konscious Argon2); an unknown or
/// malformed hash is <see cref="HashCheck.Unsupported"/>, never an exception.
/// </summary>
internal static partial class StoredPasswordHash
{
    // Bounds on argon2 parameters read from a database: a corrupt or hostile row must not take gigabytes or minutes.
    private const int MaxArgon2MemoryKiB = 1024 * 1024;
    private const int MaxArgon2Iterations = 64;
    private const int MaxArgon2Parallelism = 16;

    private static readonly PasswordHasher<object> IdentityHasher = new();
    private static readonly PasswordHasher<object> IdentityV2Hasher = new(Microsoft.Extensions.Options.Options.Create(
        new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }));

    public static HashCheck Verify(string storedHash, string password)
    {
        var kind = KindOf(storedHash);
        if (kind == HashKind.Unknown)
        {
            return HashCheck.Unsupported;
        }
        if (password.Length == 0)
        {
            return HashCheck.Mismatch; // never a match, whatever a library would make of it
        }
        try
        {
            return kind switch
            {
                HashKind.Identity => IdentityHasher.VerifyHashedPassword(null!, storedHash, password) == PasswordVerificationResult.Failed
                    ? HashCheck.Mismatch : HashCheck.Match,
                HashKind.Bcrypt => BCrypt.Net.BCrypt.Verify(password, storedHash) ? HashCheck.Match : HashCheck.Mismatch,
                HashKind.Argon2id => VerifyArgon2id(storedHash, password),
                _ => HashCheck.Unsupported,
            };
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or BCrypt.Net.SaltParseException or BCrypt.Net.HashInformationException or OverflowException)
        {
            return HashCheck.Unsupported;
        }
    }

    public static HashKind KindOf(string storedHash)
    {
        if (storedHash.StartsWith("$2", StringComparison.Ordinal))
        {
            return BcryptShape().IsMatch(storedHash) && int.Parse(storedHash.AsSpan(4, 2)) is >= 4 and <= 31 ? HashKind.Bcrypt : HashKind.Unknown;
        }
        if (storedHash.StartsWith("$argon2id$", StringComparison.Ordinal))
        {
            return Argon2Phc.TryParse(storedHash, out _) ? HashKind.Argon2id : HashKind.Unknown;
        }
        if (PasswordHashFormat.TryReadProfile(storedHash, out _))
        {
            return HashKind.Identity;
        }
        // Identity v2: 0x00, a 16-byte salt and a 32-byte PBKDF2-SHA1 subkey.
        Span<byte> v2 = stackalloc byte[64];
        return Convert.TryFromBase64String(storedHash, v2, out var length) && length == 49 && v2[0] == 0x00 ? HashKind.Identity : HashKind.Unknown;
    }

    /// <summary>
    /// A hash of a random password made the same way as <paramref name="like"/> (same algorithm and cost), so that
    /// checking an unknown user's password costs what checking a real one does.
    /// </summary>
    public static string DummyLike(string like)
    {
        var password = RandomNumberGenerator.GetHexString(32);
        switch (KindOf(like))
        {
            case HashKind.Bcrypt:
                return BCrypt.Net.BCrypt.HashPassword(password, int.Parse(like.AsSpan(4, 2)));
            case HashKind.Argon2id when Argon2Phc.TryParse(like, out var phc) && phc.IsWithinBounds(MaxArgon2MemoryKiB, MaxArgon2Iterations, MaxArgon2Parallelism):
                var salt = RandomNumberGenerator.GetBytes(phc.Salt.Length);
                return (phc with { Salt = salt, Hash = Argon2(password, phc with { Salt = salt }) }).ToString();
            case HashKind.Identity when PasswordHashFormat.TryReadProfile(like, out var profile):
                return PasswordHashFormat.Create(profile, password);
            case HashKind.Identity:
                return IdentityV2Hasher.HashPassword(null!, password); // v2: PBKDF2-SHA1, 1000 iterations

            default:
                return IdentityHasher.HashPassword(null!, password);
        }
    }

    /// <summary>
    /// What a hash costs to verify, as text: equal for two hashes of the same algorithm and cost (bcrypt's cost,
    /// argon2id's m, t, p, Identity's PRF, iterations and lengths); null for a hash of no known kind.
    /// </summary>
    public static string? ShapeOf(string storedHash) => KindOf(storedHash) switch
    {
        HashKind.Bcrypt => "bcrypt:" + storedHash[4..6],
        HashKind.Argon2id when Argon2Phc.TryParse(storedHash, out var phc) => $"argon2id:{phc.MemoryKiB},{phc.Iterations},{phc.Parallelism},{phc.Salt.Length},{phc.Hash.Length}",
        HashKind.Identity when PasswordHashFormat.TryReadProfile(storedHash, out var profile) => "identity:" + profile,
        HashKind.Identity => "identity:v2",
        _ => null,
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$")]
    private static partial System.Text.RegularExpressions.Regex BcryptShape();

    private static HashCheck VerifyArgon2id(string storedHash, string password)
    {
        if (!Argon2Phc.TryParse(storedHash, out var phc) || !phc.IsWithinBounds(MaxArgon2MemoryKiB, MaxArgon2Iterations, MaxArgon2Parallelism))
        {
            return HashCheck.Unsupported;
        }
        var computed = Argon2(password, phc);
        return CryptographicOperations.FixedTimeEquals(computed, phc.Hash) ? HashCheck.Match : HashCheck.Mismatch;
    }

    private static byte[] Argon2(string password, Argon2Phc phc)
    {
        using var argon2 = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = phc.Salt,
            MemorySize = phc.MemoryKiB,
            Iterations = phc.Iterations,
            DegreeOfParallelism = phc.Parallelism,
        };
        return argon2.GetBytes(phc.Hash.Length);
    }
}

internal enum HashKind
{
    Unknown,
    Identity,
    Bcrypt,
    Argon2id,
}

internal enum HashCheck
{
    Match,
    Mismatch,

    /// <summary>Not a hash this gateway can check (unknown or malformed): the user cannot sign in.</summary>
    Unsupported,
}
