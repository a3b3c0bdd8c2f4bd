using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Gateway.Sessions;

/// <summary>Session ids: 256 bits from the system CSPRNG, base64url. They live only in the (protected) cookie.</summary>
internal static class SessionId
{
    private const int ByteLength = 32;

    /// <summary>Length of the base64url text of a session id.</summary>
    public const int TextLength = 43;

    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(ByteLength));

    // Not Base64Url.IsValid: it also accepts whitespace and '=' padding, which no issued id contains.
    public static bool IsWellFormed(string? value) =>
        value is { Length: TextLength } && !value.AsSpan().ContainsAnyExcept(Alphabet);
}
