using System.Buffers.Text;
using Gateway.Sessions;

namespace Gateway.Tests.Sessions;

/// <summary>Session ids: 256 CSPRNG bits as 43 base64url characters (SPEC §6: at least 128 bits).</summary>
public sealed class SessionIdTests
{
    [Fact]
    public void New_Is43Base64UrlCharactersOf32Bytes()
    {
        var id = SessionId.New();

        Assert.Equal(43, id.Length);
        Assert.Equal(SessionId.TextLength, id.Length);
        Assert.All(id, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not base64url"));
        Assert.Equal(32, Base64Url.DecodeFromChars(id).Length);
        Assert.True(SessionId.IsWellFormed(id));
    }

    [Fact]
    public void New_NeverRepeats()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => SessionId.New()).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void New_UsesEveryBase64UrlCharacter()
    {
        // Crude randomness check: 1000 ids (43,000 characters) cover the whole 64-character alphabet.
        var seen = Enumerable.Range(0, 1000).SelectMany(_ => SessionId.New()).ToHashSet();

        Assert.Equal(64, seen.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ")]
    [InlineData("../../../../../../../../../../../etc/passwd")]
    public void IsWellFormed_RefusesAnythingElse(string? value) => Assert.False(SessionId.IsWellFormed(value));
}
