namespace Gateway.Identity;

/// <summary>Checks the shape of an ASP.NET Core Identity v3 password hash (SPEC §10) without verifying it.</summary>
internal static class PasswordHashFormat
{
    // 0x01, PRF, iteration count, salt length: 13 bytes, then salt and subkey.
    private const int HeaderLength = 13;

    public static bool IsVersion3(string hash)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (!Convert.TryFromBase64String(hash, bytes, out var length) || length < HeaderLength || bytes[0] != 0x01)
        {
            return false;
        }
        var prf = ReadUInt32(bytes[1..]);
        var iterations = ReadUInt32(bytes[5..]);
        var saltLength = ReadUInt32(bytes[9..]);
        return prf <= 2 && iterations > 0 && saltLength >= 16 && HeaderLength + saltLength < length;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes) =>
        (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
}
