using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Identity;

/// <summary>Reads and writes the shape of an ASP.NET Core Identity v3 password hash (SPEC §10).</summary>
internal static class PasswordHashFormat
{
    // 0x01, PRF, iteration count, salt length: 13 bytes, then salt and subkey.
    private const int HeaderLength = 13;

    public static bool IsVersion3(string hash) => TryReadProfile(hash, out _);

    /// <summary>The parameters a v3 hash was made with (not its salt or subkey).</summary>
    public static bool TryReadProfile(string hash, out HashProfile profile)
    {
        profile = default;
        Span<byte> bytes = stackalloc byte[256];
        if (!Convert.TryFromBase64String(hash, bytes, out var length) || length < HeaderLength || bytes[0] != 0x01)
        {
            return false;
        }
        var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[9..]);
        if (prf > 2 || iterations == 0 || iterations > int.MaxValue || saltLength < 16 || HeaderLength + saltLength >= length)
        {
            return false;
        }
        profile = new HashProfile(prf, (int)iterations, (int)saltLength, length - HeaderLength - (int)saltLength);
        return true;
    }

    /// <summary>A v3 hash of <paramref name="password"/> made with exactly <paramref name="profile"/> (any PRF, count and lengths).</summary>
    public static string Create(HashProfile profile, string password)
    {
        var salt = RandomNumberGenerator.GetBytes(profile.SaltLength);
        var algorithm = profile.Prf switch { 0 => HashAlgorithmName.SHA1, 1 => HashAlgorithmName.SHA256, _ => HashAlgorithmName.SHA512 };
        var subkey = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, profile.Iterations, algorithm, profile.SubkeyLength);
        var hash = new byte[HeaderLength + salt.Length + subkey.Length];
        hash[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(hash.AsSpan(1), profile.Prf);
        BinaryPrimitives.WriteUInt32BigEndian(hash.AsSpan(5), (uint)profile.Iterations);
        BinaryPrimitives.WriteUInt32BigEndian(hash.AsSpan(9), (uint)profile.SaltLength);
        salt.CopyTo(hash, HeaderLength);
        subkey.CopyTo(hash, HeaderLength + salt.Length);
        return Convert.ToBase64String(hash);
    }
}

/// <summary>What a v3 hash costs to verify: PRF (0 SHA-1, 1 SHA-256, 2 SHA-512), iteration count, salt and subkey lengths.</summary>
internal readonly record struct HashProfile(uint Prf, int Iterations, int SaltLength, int SubkeyLength);
