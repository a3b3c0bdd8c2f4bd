using Gateway.Identity;

namespace Gateway.Tests.Identity;

/// <summary>SPEC §7: printable ASCII passes unchanged; anything else, and <c>%</c>, is percent-encoded UTF-8.</summary>
public sealed class IdentityHeaderValueTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("alice", "alice")]
    [InlineData("Alice Admin", "Alice Admin")]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("staff,admin", "staff,admin")]
    [InlineData("O'Brien \"Bob\" <b@x> ~!#$&*()+=[]{}|\\:;?/", "O'Brien \"Bob\" <b@x> ~!#$&*()+=[]{}|\\:;?/")]
    [InlineData("100%", "100%25")]
    [InlineData("%E5%BC%A0", "%25E5%25BC%25A0")]
    [InlineData("张三", "%E5%BC%A0%E4%B8%89")]
    [InlineData("staff,研发", "staff,%E7%A0%94%E5%8F%91")]
    [InlineData("José", "Jos%C3%A9")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("line\r\nX-Forwarded-User: admin", "line%0D%0AX-Forwarded-User: admin")]
    [InlineData("nul\0", "nul%00")]
    [InlineData("del\u007F", "del%7F")]
    [InlineData("nbsp\u00A0", "nbsp%C2%A0")]
    [InlineData("key 🔑", "key %F0%9F%94%91")]
    [InlineData("😀😀", "%F0%9F%98%80%F0%9F%98%80")]
    [InlineData("👩‍💻", "%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB")]
    public void Encode(string value, string expected) => Assert.Equal(expected, IdentityHeaderValue.Encode(value));

    [Theory]
    [InlineData("\uD83D")]
    [InlineData("a\uDE00b")]
    [InlineData("\uDE00\uD83D")]
    public void Encode_LoneSurrogate_BecomesTheEncodedReplacementCharacter(string value)
    {
        var encoded = IdentityHeaderValue.Encode(value);

        Assert.Contains("%EF%BF%BD", encoded);
        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
    }

    [Theory]
    [InlineData("张三")]
    [InlineData("100% 😀 José\r\n")]
    [InlineData("plain")]
    public void Encode_RoundTripsThroughPercentDecoding(string value) =>
        Assert.Equal(value, Uri.UnescapeDataString(IdentityHeaderValue.Encode(value)));

    [Fact]
    public void Encode_PlainAscii_ReturnsTheSameInstance()
    {
        var value = "alice";

        Assert.Same(value, IdentityHeaderValue.Encode(value));
    }
}
