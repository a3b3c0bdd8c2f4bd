using System.Buffers;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Cookies;

/// <summary>
/// The framework's Data Protection ticket format, refusing unread every session cookie value that is not in the one
/// form the gateway issues (<see cref="IsIssuedForm"/>). Data Protection's decoder would also accept a valid value with
/// spaces, tabs, CR LF or <c>=</c> padding in it, or in the standard base64 alphabet: each such spelling would be a
/// cookie the gateway never issued that still signs its holder in, and a new key for every per-cookie cache.
/// </summary>
internal sealed class IssuedFormTicketFormat(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>Longest value looked at. The gateway's own values are about 450 characters.</summary>
    public const int MaxValueLength = 1024;

    // The framework's chunked-cookie marker: the gateway's cookie is never chunked.
    private const string ChunkedValuePrefix = "chunks-";

    /// <summary>What Data Protection's output (base64url) is made of.</summary>
    public static readonly SearchValues<char> Base64UrlChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>True for base64url without padding or whitespace, at most <see cref="MaxValueLength"/> characters.</summary>
    public static bool IsIssuedForm(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= MaxValueLength
        && !value.ContainsAnyExcept(Base64UrlChars)
        && !value.StartsWith(ChunkedValuePrefix, StringComparison.Ordinal);

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) =>
        protectedText is not null && IsIssuedForm(protectedText) ? inner.Unprotect(protectedText, purpose) : null;
}
