using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Sessions;

/// <summary>
/// The store key of a session: SHA-256 of the session id, so a copy of the store yields no working cookie.
/// <see cref="Handle"/> is a short prefix of it, safe for logs and the admin API.
/// </summary>
internal readonly record struct SessionKey(string Value)
{
    /// <summary>Length of <see cref="Handle"/>: 12 base64url characters, 72 bits of the hash.</summary>
    public const int HandleLength = 12;

    public static SessionKey FromSessionId(string sessionId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(sessionId), hash);
        return new SessionKey(Base64Url.EncodeToString(hash));
    }

    public string Handle => Value[..HandleLength];

    /// <summary>True for text that could be a handle (what the admin API accepts in a URL).</summary>
    public static bool IsWellFormedHandle(string? handle) =>
        handle is { Length: HandleLength } && Base64Url.IsValid(handle);

    public override string ToString() => Handle;
}
