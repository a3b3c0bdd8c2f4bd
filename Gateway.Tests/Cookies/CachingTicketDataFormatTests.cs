using System.Security.Claims;
using Gateway.Cookies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Cookies;

public sealed class CachingTicketDataFormatTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly TicketDataFormat _real = new(new EphemeralDataProtectionProvider().CreateProtector("tests"));

    private static AuthenticationTicket Ticket(string sessionId) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim("sid", sessionId)], "test")), "Cookies");

    [Fact]
    public void SameCookieValue_IsUnprotectedOnce_AndGivesTheSameSessionId()
    {
        var format = new CachingTicketDataFormat(_real, _time, 100);
        var cookie = format.Protect(Ticket("abc"));

        var first = format.Unprotect(cookie);
        var second = format.Unprotect(cookie);

        Assert.Equal("abc", first!.Principal.FindFirst("sid")!.Value);
        Assert.Same(first, second);
    }

    [Fact]
    public void TamperedValue_IsRefused_EveryTime()
    {
        var format = new CachingTicketDataFormat(_real, _time, 100);
        var cookie = format.Protect(Ticket("abc"));
        var tampered = cookie[..^2] + (cookie[^2] == 'A' ? "B" : "A") + cookie[^1];

        Assert.Null(format.Unprotect(tampered));
        Assert.Null(format.Unprotect(tampered));
        Assert.NotNull(format.Unprotect(cookie));
    }

    [Fact]
    public void RememberedValue_IsCheckedAgainAfterAMinute()
    {
        var format = new CachingTicketDataFormat(_real, _time, 100);
        var cookie = format.Protect(Ticket("abc"));
        var first = format.Unprotect(cookie);

        _time.Advance(TimeSpan.FromMinutes(1));

        var again = format.Unprotect(cookie);
        Assert.NotSame(first, again);
        Assert.Equal("abc", again!.Principal.FindFirst("sid")!.Value);
    }

    [Fact]
    public void FullCache_StartsOver_AndStillAnswersCorrectly()
    {
        var format = new CachingTicketDataFormat(_real, _time, 3);
        var cookies = Enumerable.Range(0, 10).Select(i => (Id: $"s{i}", Cookie: format.Protect(Ticket($"s{i}")))).ToList();

        foreach (var (id, cookie) in cookies.Concat(cookies))
        {
            Assert.Equal(id, format.Unprotect(cookie)!.Principal.FindFirst("sid")!.Value);
        }
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
        { "standard base64 alphabet", v => v.Replace('-', '+').Replace('_', '/') },
        { "quoted", v => "\"" + v + "\"" },
        { "over the length limit", v => v + new string('A', CachingTicketDataFormat.MaxValueLength) },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ValueNotInTheIssuedForm_IsRefusedUnread_AndNotRemembered(string variant, Func<string, string> change)
    {
        var inner = new Counting(_real);
        var format = new CachingTicketDataFormat(inner, _time, 100);
        var cookie = format.Protect(Ticket("abc"));
        var changed = change(cookie);
        Assert.NotEqual(cookie, changed);

        Assert.Null(format.Unprotect(changed));
        Assert.Equal(0, inner.Unprotected);
        Assert.Equal(0, format.Count);
        Assert.Equal(0, format.ApproximateBytes);
        Assert.NotNull(format.Unprotect(cookie));
        Assert.True(variant.Length > 0);
    }

    [Fact]
    public void ManySessions_StayWithinTheByteBound()
    {
        const long bound = 20 * (CachingTicketDataFormat.EntryOverheadBytes + 2 * 500);
        var format = new CachingTicketDataFormat(_real, _time, 1000, maxBytes: bound);
        for (var i = 0; i < 100; i++)
        {
            Assert.NotNull(format.Unprotect(format.Protect(Ticket($"s{i}"))));
            Assert.InRange(format.ApproximateBytes, 1, bound);
        }
        Assert.InRange(format.Count, 1, 25);
    }

    [Fact]
    public void ApproximateBytes_CountsEveryEntryOnce_AndDropsWithIt()
    {
        var format = new CachingTicketDataFormat(_real, _time, 100);
        var cookie = format.Protect(Ticket("abc"));
        format.Unprotect(cookie);
        format.Unprotect(cookie);
        Assert.Equal(CachingTicketDataFormat.EntryOverheadBytes + 2 * cookie.Length, format.ApproximateBytes);

        _time.Advance(TimeSpan.FromMinutes(1));
        format.Unprotect(cookie);
        Assert.Equal(CachingTicketDataFormat.EntryOverheadBytes + 2 * cookie.Length, format.ApproximateBytes);
    }

    private static AuthenticatedCookie Authenticated(string id) => new(
        new Gateway.Sessions.SessionKey(id),
        new Gateway.Sessions.SessionRecord { User = "alice", CreatedAt = default, LastSeenAt = default, AbsoluteExpiresAt = default, ExpiresAt = default },
        new object(),
        Task.FromResult(AuthenticateResult.NoResult()));

    [Fact]
    public void Authentication_IsRememberedForAValueSeenAgain_UntilTheValueMustBeCheckedAgain()
    {
        var format = new CachingTicketDataFormat(_real, _time, 100);
        var cookie = format.Protect(Ticket("abc"));
        var never = format.Protect(Ticket("def"));
        var once = format.Protect(Ticket("ghi"));
        format.Unprotect(cookie);
        format.Unprotect(cookie);
        format.Unprotect(once);
        var authenticated = Authenticated("k1");

        Assert.False(format.TryGetAuthenticated(cookie, out _));
        format.Remember(cookie, authenticated);
        format.Remember(never, Authenticated("k2"));
        format.Remember(once, Authenticated("k3"));

        Assert.True(format.TryGetAuthenticated(cookie, out var remembered));
        Assert.Same(authenticated, remembered);
        Assert.False(format.TryGetAuthenticated(never, out _));
        // Seen once only (e.g. a crawl over many sessions): nothing is kept for it.
        Assert.False(format.TryGetAuthenticated(once, out _));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(format.TryGetAuthenticated(cookie, out _));
    }
}
