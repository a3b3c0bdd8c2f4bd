using System.Buffers.Text;
using System.Security.Cryptography;

namespace Gateway.Sessions;

/// <summary>Session ids: 256 bits from the system CSPRNG, base64url. They live only in the (protected) cookie.</summary>
internal static class SessionId
{
    private const int ByteLength = 32;

    /// <summary>Length of the base64url text of a session id.</summary>
    public const int TextLength = 43;

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(ByteLength));

    public static bool IsWellFormed(string? value) =>
        value is { Length: TextLength } && Base64Url.IsValid(value);
}
