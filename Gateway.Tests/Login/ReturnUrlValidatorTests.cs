using Gateway.Configuration;
using Gateway.Login;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Login;

/// <summary>SPEC §8 as a table: every row an open-redirect trick, or a URL the gateway must keep following.</summary>
public sealed class ReturnUrlValidatorTests
{
    private const string RequestHost = "app1.sso.localhost:5000";

    private static readonly ReturnUrlValidator Validator = Create(".sso.localhost");

    private static ReturnUrlValidator Create(string? cookieDomain) => new(Options.Create(new SsoOptions
    {
        CookieDomain = cookieDomain,
        AllowedReturnHosts = ["partner-exact.test", "*.partner.test", "  "],
    }));

    public static TheoryData<string, string> HostileReturnUrls => new()
    {
        // Protocol-relative and slash tricks: browsers read these as another host.
        { "//evil.test", "protocol-relative URL" },
        { "//evil.test/path", "protocol-relative URL with path" },
        { "/\\evil.test", "slash-backslash, which browsers read as //" },
        { "\\\\evil.test", "double backslash" },
        { "\\/evil.test", "backslash-slash" },
        { "/\t/evil.test", "tab between slashes, stripped by browsers into //" },
        { "/\n/evil.test", "newline between slashes" },
        { "/\r\n/evil.test", "CRLF between slashes (also header splitting)" },
        { "///evil.test", "triple slash" },
        // Other hosts.
        { "https://evil.test", "foreign host" },
        { "https://evil.test/", "foreign host with path" },
        { "HTTPS://EVIL.TEST/", "foreign host in upper case" },
        { "http://evil.test/app1.sso.localhost", "our host name in the path" },
        { "https://evil.test?.sso.localhost", "our domain in the query" },
        { "https://evil.test#.sso.localhost", "our domain in the fragment" },
        { "https://sso.localhost.evil.test/", "our domain as a prefix of a foreign one" },
        { "https://app1.sso.localhost.evil.test/", "our host as a prefix of a foreign one" },
        { "https://evilsso.localhost/", "our domain as a suffix without a dot" },
        { "https://localhost/", "parent of the cookie domain" },
        { "https://evil.test:443/", "foreign host with port" },
        { "https://127.0.0.1/", "IP literal" },
        { "https://[::1]/", "IPv6 literal" },
        { "http://0x7f.1/", "hex IP literal that Uri normalises" },
        // User-info: the real host is after '@'.
        { "https://app1.sso.localhost@evil.test", "our host as user-info" },
        { "https://app1.sso.localhost@evil.test/", "our host as user-info, with path" },
        { "https://app1.sso.localhost:443@evil.test/", "our host and port as user-info" },
        { "https://user:pass@app1.sso.localhost/", "credentials on our own host" },
        { "https://evil.test\\@app1.sso.localhost/", "backslash before @ (browsers end the host at the backslash)" },
        { "https://app1.sso.localhost%40evil.test/", "percent-encoded @ in the host" },
        { "https://evil%2Etest/", "percent-encoded dot in the host" },
        // Schemes that run code or leave http(s).
        { "javascript:alert(1)", "javascript: URL" },
        { "JavaScript:alert(1)", "mixed-case javascript:" },
        { "javascript://app1.sso.localhost/%0Aalert(1)", "javascript: dressed as our host" },
        { "data:text/html,<script>alert(1)</script>", "data: URL" },
        { "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "upper-case data: URL" },
        { "vbscript:msgbox(1)", "vbscript: URL" },
        { "ftp://app1.sso.localhost/", "other scheme on our host" },
        { "ws://app1.sso.localhost/", "websocket scheme" },
        // Tabs, newlines and spaces inside the scheme (browsers strip them).
        { "java\tscript:alert(1)", "tab inside javascript:" },
        { "java\nscript:alert(1)", "newline inside javascript:" },
        { "ht\ttps://evil.test/", "tab inside https" },
        { "\tjavascript:alert(1)", "leading tab" },
        { " https://evil.test/", "leading space" },
        { "https://evil.test/ ", "trailing space" },
        { "\u0000/evil.test", "NUL character" },
        { "/\u2028/evil.test", "Unicode line separator" },
        // Malformed http(s) that browsers repair into something else.
        { "http:/app1.sso.localhost/", "one slash after the scheme" },
        { "https:app1.sso.localhost/", "no slash after the scheme" },
        { "http:///evil.test", "empty authority" },
        { "https://", "scheme only" },
        { "https://app1.sso.localhost:99999/", "port out of range" },
        // Look-alike host names (IDN homographs) and host-name normalisation.
        { "https://app1.sso.l\u043ecalhost/", "Cyrillic o in the cookie domain" },
        { "https://app1.sso.xn--lcalhost-nbh/", "punycode of the Cyrillic look-alike" },
        { "https://\u0430pp1.sso.localhost/", "Cyrillic a: refused as non-ASCII even under our domain" },
        { "https://app1.sso.localhost\u3002evil.test/", "ideographic full stop, which IDNA maps to a dot" },
        { "https://app1\uFF0Esso\uFF0Elocalhost/", "full-width dots" },
        { "https://app1.sso.localhost./", "trailing dot" },
        { "https://sso.localhost./", "trailing dot on the cookie domain" },
        // Allowed-host wildcards match subdomains only.
        { "https://partner.test/", "apex of a *. wildcard" },
        { "https://evilpartner.test/", "wildcard suffix without a dot" },
        { "https://a.partner.test.evil.test/", "wildcard host as a prefix" },
        { "https://partner-exact.test.evil.test/", "exact allowed host as a prefix" },
        { "https://x.partner-exact.test/", "subdomain of an exact allowed host" },
        // Not URLs, or too long to be honest.
        { "evil.test", "bare host name" },
        { "app1.sso.localhost/x", "our host without a scheme" },
        { "%2F%2Fevil.test", "encoded slashes without a leading slash" },
        { "", "empty" },
        { "/" + new string('a', ReturnUrlValidator.MaxLength), "very long path" },
        { "https://app1.sso.localhost/" + new string('a', 10_000), "very long absolute URL" },
        { "\uD800/", "lone surrogate" },
    };

    [Theory]
    [MemberData(nameof(HostileReturnUrls))]
    public void HostileReturnUrl_FallsBackToRoot(string returnUrl, string attack)
    {
        Assert.False(Validator.IsSafe(returnUrl, RequestHost), attack);
        Assert.Equal("/", Validator.Validate(returnUrl, RequestHost));
    }

    public static TheoryData<string, string> AcceptedReturnUrls => new()
    {
        { "/", "the root" },
        { "/a?b=c#d", "path, query and fragment" },
        { "/deep/path/page.html", "a deep path" },
        { "/%2F%2Fevil.test", "encoded slashes: a path on our own host, the browser never turns it into a host" },
        { "/%5Cevil.test", "encoded backslash: also a path on our host" },
        { "/mail?to=a@b.test", "@ in a local query" },
        { "http://app1.sso.localhost/", "a subdomain over http" },
        { "https://app2.sso.localhost:8443/x", "a subdomain with a port" },
        { "https://a.b.sso.localhost/", "a deeper subdomain" },
        { "https://sso.localhost/", "the cookie domain itself" },
        { "https://sso.localhost", "the cookie domain without a path" },
        { "https://app1.sso.localhost/mail?to=a@b.test#x", "@ in the query of an absolute URL" },
        { "HTTPS://APP1.SSO.LOCALHOST/", "upper-case scheme and host: the same URL to a browser" },
        { "https://xn--pp1-5cd.sso.localhost/", "punycode label under our domain (only we control its DNS)" },
        { "https://partner-exact.test/back", "exact allowed return host" },
        { "https://PARTNER-EXACT.TEST/", "exact allowed return host in upper case" },
        { "https://a.partner.test/", "subdomain matching a *. wildcard" },
        { "https://a.b.partner.test:444/x", "deeper subdomain matching a *. wildcard, with port" },
    };

    [Theory]
    [MemberData(nameof(AcceptedReturnUrls))]
    public void SameSiteReturnUrl_IsKept(string returnUrl, string why)
    {
        Assert.True(Validator.IsSafe(returnUrl, RequestHost), why);
        Assert.Equal(returnUrl, Validator.Validate(returnUrl, RequestHost));
    }

    [Theory]
    [InlineData("/文档?q=张三", "/%E6%96%87%E6%A1%A3?q=%E5%BC%A0%E4%B8%89")]
    [InlineData("https://app1.sso.localhost/caf\u00e9", "https://app1.sso.localhost/caf%C3%A9")]
    [InlineData("/emoji/\U0001F600", "/emoji/%F0%9F%98%80")]
    public void NonAsciiPath_IsPercentEncoded_SoTheLocationHeaderStaysAscii(string returnUrl, string expected) =>
        Assert.Equal(expected, Validator.Validate(returnUrl, RequestHost));

    [Theory]
    [InlineData("http://app1.sso.localhost:5000/x", true)]
    [InlineData("http://APP1.sso.localhost/x", true)]
    [InlineData("/x", true)]
    [InlineData("http://app2.sso.localhost:5000/x", false)]
    [InlineData("http://sso.localhost/", false)]
    [InlineData("https://a.partner.test/", true)]
    public void WithoutCookieDomain_OnlyTheRequestHostAndAllowedHostsAreAccepted(string returnUrl, bool accepted) =>
        Assert.Equal(accepted, Create(null).IsSafe(returnUrl, RequestHost));

    [Fact]
    public void WithoutCookieDomainOrRequestHost_AbsoluteUrlsAreRefused() =>
        Assert.False(Create(null).IsSafe("http://app1.sso.localhost/"));

    [Fact]
    public void Null_FallsBackToRoot() => Assert.Equal("/", Validator.Validate(null, RequestHost));
}
