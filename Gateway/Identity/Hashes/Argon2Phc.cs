namespace Gateway.Identity.Hashes;

/// <summary>
/// An argon2id hash in the PHC string format, as PHP and libargon2 write it:
/// <c>$argon2id$v=19$m=65536,t=4,p=1$&lt;salt&gt;$&lt;hash&gt;</c> with unpadded standard base64.
/// </summary>
internal sealed record Argon2Phc(int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash)
{
    public static bool TryParse(string text, out Argon2Phc phc)
    {
        phc = null!;
        var parts = text.Split('$');
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.Length != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            return false;
        }
        int? memory = null, iterations = null, parallelism = null;
        foreach (var parameter in parts[3].Split(','))
        {
            var pair = parameter.Split('=');
            if (pair.Length != 2 || !int.TryParse(pair[1], System.Globalization.NumberStyles.None, null, out var value) || value <= 0)
            {
                return false;
            }
            switch (pair[0])
            {
                case "m": memory = value; break;
                case "t": iterations = value; break;
                case "p": parallelism = value; break;
                default: return false;
            }
        }
        if (memory is null || iterations is null || parallelism is null
            || !TryDecode(parts[4], out var salt) || salt.Length < 8 || !TryDecode(parts[5], out var hash) || hash.Length < 16)
        {
            return false;
        }
        phc = new Argon2Phc(memory.Value, iterations.Value, parallelism.Value, salt, hash);
        return true;
    }

    public bool IsWithinBounds(int maxMemoryKiB, int maxIterations, int maxParallelism) =>
        MemoryKiB <= maxMemoryKiB && Iterations <= maxIterations && Parallelism <= maxParallelism && MemoryKiB >= 8 * Parallelism;

    public override string ToString() =>
        $"$argon2id$v=19$m={MemoryKiB},t={Iterations},p={Parallelism}${Encode(Salt)}${Encode(Hash)}";

    private static bool TryDecode(string unpadded, out byte[] bytes)
    {
        bytes = [];
        if (unpadded.Length == 0 || unpadded.Length % 4 == 1)
        {
            return false;
        }
        var padded = unpadded + new string('=', (4 - unpadded.Length % 4) % 4);
        var buffer = new byte[padded.Length];
        if (!Convert.TryFromBase64String(padded, buffer, out var length))
        {
            return false;
        }
        bytes = buffer[..length];
        return true;
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');
}
