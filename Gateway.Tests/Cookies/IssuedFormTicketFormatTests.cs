using System.Security.Claims;
using Gateway.Cookies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace Gateway.Tests.Cookies;

/// <summary>Only the one form the gateway issues is ever unprotected; every other spelling of a valid cookie is refused unread.</summary>
public sealed class IssuedFormTicketFormatTests
{
    private readonly TicketDataFormat _real = new(new EphemeralDataProtectionProvider().CreateProtector("tests"));

    private static AuthenticationTicket Ticket(string sessionId) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sid", sessionId)], "test")), "Cookies");

    // Each turns a valid value into one Data Protection's decoder still accepts (or a form the gateway never issues).
    public static TheoryData<string, Func<string, string>> Variants => new()
    {
        { "trailing space", v => v + " " },
        { "spaces inside", v => v[..10] + "    " + v[10..] },
        { "leading space", v => " " + v },
        { "tab", v => v[..5] + "\t" + v[5..] },
        { "CR LF", v => v[..5] + "\r\n" + v[5..] },
        { "one padding", v => v + "=" },
        { "two padding", v => v + "==" },
        // The same bytes in the standard alphabet; a value with neither '-' nor '_' (about one in a hundred) has no
        // such spelling, and gets a '+' in place of one character instead: the standard alphabet, never issued.
        { "standard base64 alphabet", v => v.AsSpan().ContainsAny('-', '_') ? v.Replace('-', '+').Replace('_', '/') : v[..10] + "+" + v[11..] },
        { "quoted", v => "\"" + v + "\"" },
        { "over the length limit", v => v + new string('A', IssuedFormTicketFormat.MaxValueLength) },
        { "chunked-cookie marker", _ => "chunks-2" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ValueNotInTheIssuedForm_IsRefusedUnread(string variant, Func<string, string> change)
    {
        var inner = new Counting(_real);
        var format = new IssuedFormTicketFormat(inner);
        var cookie = format.Protect(Ticket("abc"));
        var changed = change(cookie);
        Assert.NotEqual(cookie, changed);

        Assert.Null(format.Unprotect(changed));
        Assert.Equal(0, inner.Unprotected);
        Assert.Equal("abc", format.Unprotect(cookie)!.Principal.FindFirst("sid")!.Value);
        Assert.True(variant.Length > 0);
    }

    [Fact]
    public void TamperedValue_IsRefused()
    {
        var format = new IssuedFormTicketFormat(_real);
        var cookie = format.Protect(Ticket("abc"));
        var tampered = cookie[..^2] + (cookie[^2] == 'A' ? "B" : "A") + cookie[^1];

        Assert.Null(format.Unprotect(tampered));
        Assert.NotNull(format.Unprotect(cookie));
    }

    /// <summary>The real format, counting how often it is asked to unprotect.</summary>
    private sealed class Counting(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
    {
        public int Unprotected;

        public string Protect(AuthenticationTicket data) => inner.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Unprotected++;
            return inner.Unprotect(protectedText, purpose);
        }
    }
}
