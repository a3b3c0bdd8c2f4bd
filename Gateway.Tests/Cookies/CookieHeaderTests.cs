using Gateway.Cookies;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Cookies;

/// <summary>Dropping the gateway's own cookie from the <c>Cookie</c> header forwarded to backends (SPEC §7).</summary>
public sealed class CookieHeaderTests
{
    private const string Prefix = "sso_session=";

    public static TheoryData<string[], string?> Removals => new()
    {
        { ["sso_session=abc"], null },
        { ["sso_session="], null },
        { ["a=1; sso_session=abc; b=2"], "a=1; b=2" },
        { ["a=1;sso_session=abc;b=2"], "a=1; b=2" },
        { ["  sso_session=abc ;  a=1  "], "a=1" },
        { ["sso_session=abc; sso_session=def"], null },
        { ["sso_session=abc; theme=dark; sso_session=def"], "theme=dark" },
        { ["a=1", "sso_session=abc; b=2"], "a=1; b=2" },
        { ["sso_session=abc", "sso_session=def"], null },
        { ["sso_session_af=token; sso_session=abc"], "sso_session_af=token" },
        { ["my_sso_session=keep; sso_session=abc"], "my_sso_session=keep" },
        { ["other=sso_session=inside-a-value; sso_session=abc"], "other=sso_session=inside-a-value" },
        { ["sso_session=abc; ; ;a=1"], "a=1" },
    };

    [Theory]
    [MemberData(nameof(Removals))]
    public void TryRemove_DropsEverySessionCookiePair_KeepsTheRestInOrder(string[] headers, string? expected)
    {
        var found = CookieHeader.TryRemove(new StringValues(headers), Prefix, out var remaining);

        Assert.True(found);
        Assert.Equal(expected, remaining);
    }

    public static TheoryData<string[]> WithoutSessionCookie => new()
    {
        Array.Empty<string>(),
        new[] { "" },
        new[] { "a=1; b=2" },
        new[] { "a=1", "b=2" },
        new[] { "SSO_SESSION=abc" },
        new[] { "sso_session_af=token" },
        new[] { "sso_session" },
    };

    [Theory]
    [MemberData(nameof(WithoutSessionCookie))]
    public void TryRemove_WithoutTheSessionCookie_ReportsNothingToRemove(string[] headers)
    {
        var found = CookieHeader.TryRemove(new StringValues(headers), Prefix, out var remaining);

        Assert.False(found);
        Assert.Null(remaining);
    }

    [Theory]
    [InlineData("my_sso_session=keep")]
    [InlineData("other=sso_session=inside-a-value")]
    public void TryRemove_NameOnlyInsideAnotherPair_ForwardsTheHeaderUnchanged(string header)
    {
        var found = CookieHeader.TryRemove(new StringValues(header), Prefix, out var remaining);

        Assert.Equal(header, found ? remaining : header);
    }

    [Fact]
    public void TryRemove_NullHeaderValue_IsIgnored()
    {
        var found = CookieHeader.TryRemove(new StringValues([null, "sso_session=abc; a=1"]), Prefix, out var remaining);

        Assert.True(found);
        Assert.Equal("a=1", remaining);
    }

    public static TheoryData<string[], string?> SingleValues => new()
    {
        { ["sso_session=CfDJ8abc-_0"], "CfDJ8abc-_0" },
        { ["a=1; sso_session=abc; b=2"], "abc" },
        { ["a=1;sso_session=abc;b=2"], "abc" },
        { ["  sso_session = abc  ; a=1"], "abc" },
        { ["SSO_SESSION=abc"], "abc" },
        { ["sso_session_af=token; my_sso_session=x; sso_session=abc"], "abc" },
        { ["other=sso_session=inside; sso_session=abc"], "abc" },
        // Left to the framework's parser: none, several (its rules pick one), more than one header, an empty,
        // quoted, escaped or otherwise not base64url value, a chunked cookie's first part is still plain text.
        { [], null },
        { ["a=1; b=2"], null },
        { ["other=sso_session=inside"], null },
        { ["sso_session=abc; sso_session=def"], null },
        { ["sso_session=abc; SSO_SESSION=def"], null },
        { ["sso_session=abc", "a=1"], null },
        { ["sso_session="], null },
        { ["sso_session=\"abc\""], null },
        { ["sso_session=ab%2Dc"], null },
        { ["sso_session=ab c"], null },
        { ["sso_session=abc="], null },
    };

    [Theory]
    [MemberData(nameof(SingleValues))]
    public void TryGetSingleValue_FindsTheOneSessionCookie_OrLeavesTheRequestToTheFramework(string[] headers, string? expected)
    {
        var found = CookieHeader.TryGetSingleValue(new StringValues(headers), "sso_session", out var value);

        Assert.Equal(expected is not null, found);
        Assert.Equal(expected ?? "", found ? value.ToString() : "");
    }
}
