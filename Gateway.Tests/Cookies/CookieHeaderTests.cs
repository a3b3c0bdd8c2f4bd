using Gateway.Configuration;
using Gateway.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tests.Cookies;

/// <summary>
/// Dropping the gateway's own cookies from the <c>Cookie</c> header forwarded to backends (SPEC §7) and at sign-in,
/// judged against what ASP.NET Core's own parser (<c>Request.Cookies</c>) reads from the same header.
/// </summary>
public sealed class CookieHeaderTests
{
    private static readonly SsoOptions Options = new();
    private static readonly GatewayCookieNames NotForBackends = GatewayCookieNames.NotForBackends(Options);
    private static readonly GatewayCookieNames SessionOnly = GatewayCookieNames.SessionOnly(Options);

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
        { ["my_sso_session=keep; sso_session=abc"], "my_sso_session=keep" },
        { ["other=sso_session=inside-a-value; sso_session=abc"], "other=sso_session=inside-a-value" },
        { ["sso_session=abc; ; ;a=1"], "a=1" },
        // Any letter case: the framework reads cookie names case-insensitively.
        { ["SSO_SESSION=abc; a=1"], "a=1" },
        { ["a=1; Sso_Session=abc"], "a=1" },
        { ["sSo_sEsSiOn=abc"], null },
        // The antiforgery cookie is the gateway's too.
        { ["sso_session_af=token; a=1"], "a=1" },
        { ["SSO_SESSION_AF=token; a=1"], "a=1" },
        // Chunks the framework's chunking cookie manager would join to the session cookie.
        { ["sso_session=chunks-2; sso_sessionC1=abc; SSO_SESSIONc2=def; a=1"], "a=1" },
        // The framework also splits on ',' and reads a name after any non-token character: the whole ';' part goes.
        { ["a=1, sso_session=abc; b=2"], "b=2" },
        { ["b=2; \"sso_session=abc"], "b=2" },
        { ["b=2; x@sso_session=abc"], "b=2" },
        { ["b=2; a b sso_session=abc"], "b=2" },
        { ["b=2;\tsso_session=abc\t"], "b=2" },
        { ["b=2; sso_session=\"abc\""], "b=2" },
    };

    [Theory]
    [MemberData(nameof(Removals))]
    public void TryRemove_DropsEveryGatewayCookie_KeepsTheRestInOrder(string[] headers, string? expected)
    {
        var found = CookieHeader.TryRemove(new StringValues(headers), NotForBackends, out var remaining);

        Assert.True(found);
        Assert.Equal(expected, remaining);
        Assert.DoesNotContain(FrameworkReads(remaining), n => NotForBackends.Matches(n));
    }

    public static TheoryData<string[]> WithoutGatewayCookie => new()
    {
        Array.Empty<string>(),
        new[] { "" },
        new[] { "a=1; b=2" },
        new[] { "a=1", "b=2" },
        new[] { "sso_session" },
        new[] { "my_sso_session=keep" },
        new[] { "sso_session_other=keep" },
        new[] { "sso_sessionC=keep; sso_sessionCx=keep" },
        // Not read as a name by the framework: a space before '=', or inside another cookie's value.
        new[] { "sso_session =abc" },
        new[] { "other=sso_session=inside-a-value" },
        new[] { "x-sso_session=abc" },
    };

    [Theory]
    [MemberData(nameof(WithoutGatewayCookie))]
    public void TryRemove_WithoutAGatewayCookie_ReportsNothingToRemove(string[] headers)
    {
        var found = CookieHeader.TryRemove(new StringValues(headers), NotForBackends, out var remaining);

        Assert.False(found);
        Assert.Null(remaining);
    }

    [Fact]
    public void TryRemove_AtSignIn_DropsTheSessionCookieInAnyCase_KeepsTheAntiforgeryCookie()
    {
        var found = CookieHeader.TryRemove(
            new StringValues("sso_session_af=token; SSO_Session=abc; sso_sessionc1=x"), SessionOnly, out var remaining);

        Assert.True(found);
        Assert.Equal("sso_session_af=token", remaining);
    }

    [Fact]
    public void TryRemove_NullHeaderValue_IsIgnored()
    {
        var found = CookieHeader.TryRemove(new StringValues([null, "sso_session=abc; a=1"]), NotForBackends, out var remaining);

        Assert.True(found);
        Assert.Equal("a=1", remaining);
    }

    /// <summary>
    /// Thousands of headers built from the characters that matter to the parser (separators, quotes, spaces, name
    /// characters in both cases, '='): whatever the framework reads as a gateway cookie is removed, and nothing the
    /// framework would read as one is left.
    /// </summary>
    [Fact]
    public void TryRemove_AgreesWithTheFrameworksParser_OnGeneratedHeaders()
    {
        var random = new Random(20261125);
        string[] pieces = ["sso_session", "SSO_SESSION", "Sso_session", "sso_session_af", "SSO_SESSION_AF", "sso_sessionC1", "=",
            "=abc", "abc", ";", ",", " ", "\t", "\"", "x", "@", "-", "a=1", "chunks-2", "%41", "("];
        for (var i = 0; i < 20_000; i++)
        {
            var header = string.Concat(Enumerable.Range(0, random.Next(1, 9)).Select(_ => pieces[random.Next(pieces.Length)]));
            var readsOurs = FrameworkReads(header).Any(n => NotForBackends.Matches(n));

            var found = CookieHeader.TryRemove(new StringValues(header), NotForBackends, out var remaining);

            Assert.True(!readsOurs || found, $"not removed: [{header}]");
            var left = found ? remaining : header;
            Assert.False(FrameworkReads(left).Any(n => NotForBackends.Matches(n)), $"left behind from [{header}]: [{left}]");
        }
    }

    public static TheoryData<string[], string?> SingleValues => new()
    {
        { ["sso_session=CfDJ8abc-_0"], "CfDJ8abc-_0" },
        { ["a=1; sso_session=abc; b=2"], "abc" },
        { ["a=1;sso_session=abc;b=2"], "abc" },
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
        // Not plain: left to the framework (which may not read them at all).
        { ["  sso_session = abc  ; a=1"], null },
        { ["a=1, sso_session=abc"], null },
        { ["x@sso_session=abc"], null },
        { ["sso_session=abc; x@SSO_SESSION=def"], null },
    };

    [Theory]
    [MemberData(nameof(SingleValues))]
    public void TryGetSingleValue_FindsTheOneSessionCookie_OrLeavesTheRequestToTheFramework(string[] headers, string? expected)
    {
        var found = CookieHeader.TryGetSingleValue(new StringValues(headers), "sso_session", out var value);

        Assert.Equal(expected is not null, found);
        Assert.Equal(expected ?? "", found ? value.ToString() : "");
        if (found)
        {
            Assert.Equal(expected, FrameworkCookie(new StringValues(headers), "sso_session"));
        }
    }

    [Fact]
    public void TryGetSingleValue_NeverFindsAValueTheFrameworkWouldNotRead_OnGeneratedHeaders()
    {
        var random = new Random(20261126);
        string[] pieces = ["sso_session", "SSO_SESSION", "sso_session_af", "=", "=abc", "=CfDJ8", "abc", ";", "; ", ",", " ", "\"", "x", "@", "a=1"];
        for (var i = 0; i < 20_000; i++)
        {
            var header = string.Concat(Enumerable.Range(0, random.Next(1, 9)).Select(_ => pieces[random.Next(pieces.Length)]));
            if (CookieHeader.TryGetSingleValue(new StringValues(header), "sso_session", out var value))
            {
                Assert.Equal(FrameworkCookie(new StringValues(header), "sso_session"), value.ToString());
            }
        }
    }

    /// <summary>The cookie names ASP.NET Core reads from these header values.</summary>
    private static IEnumerable<string> FrameworkReads(StringValues headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = headers;
        return context.Request.Cookies.Keys.ToList();
    }

    private static string? FrameworkCookie(StringValues headers, string name)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = headers;
        return context.Request.Cookies[name];
    }
}
