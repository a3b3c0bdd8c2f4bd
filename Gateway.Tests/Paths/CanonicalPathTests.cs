using Gateway.Paths;
using static Gateway.Paths.CanonicalPath.Refusal;

namespace Gateway.Tests.Paths;

public sealed class CanonicalPathTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/admin/", "/admin/")]
    [InlineData("/admin", "/admin")]
    [InlineData("//admin/", "/admin/")]
    [InlineData("///admin///x", "/admin/x")]
    [InlineData("/./admin/", "/admin/")]
    [InlineData("/x/../admin/", "/admin/")]
    [InlineData("/x/y/../../admin/", "/admin/")]
    [InlineData("/admin/.", "/admin/")]
    [InlineData("/admin/x/..", "/admin/")]
    [InlineData("/x/%2e%2e/admin/", "/admin/")]
    [InlineData("/x/%2E%2E/admin/", "/admin/")]
    [InlineData("/x/.%2e/admin/", "/admin/")]
    [InlineData("/%61dmin/", "/admin/")]
    [InlineData("/ADMIN/", "/ADMIN/")]
    [InlineData("/file%2Etxt", "/file.txt")]
    [InlineData("/a%20b/c", "/a b/c")]
    [InlineData("/100%25", "/100%")]
    [InlineData("/100%25x", "/100%x")]
    [InlineData("/%E5%BC%A0%E4%B8%89/", "/张三/")]
    [InlineData("/q?x=/../admin;%2F", "/q")]
    [InlineData("/a?", "/a")]
    [InlineData("/.well-known/openid-configuration", "/.well-known/openid-configuration")]
    [InlineData("/a/.hidden", "/a/.hidden")]
    [InlineData("/a/..b", "/a/..b")]
    [InlineData("/~user/", "/~user/")]
    [InlineData("/a:b@c!$&'()*+,=/", "/a:b@c!$&'()*+,=/")]
    [InlineData("http://app2.sso.localhost//admin/?q", "/admin/")]
    [InlineData("http://app2.sso.localhost", "/")]
    [InlineData("https://app2.sso.localhost:8443/x/../admin", "/admin")]
    public void Canonicalises(string rawTarget, string expected)
    {
        Assert.True(CanonicalPath.TryCanonicalize(rawTarget, out var canonical, out var refusal), $"{rawTarget}: {refusal}");
        Assert.Equal(expected, canonical);
    }

    [Theory]
    [InlineData("/admin%2F", nameof(EncodedSeparator))]
    [InlineData("/admin%2f", nameof(EncodedSeparator))]
    [InlineData("/%2Fadmin/", nameof(EncodedSeparator))]
    [InlineData("/x/..%2Fadmin/", nameof(EncodedSeparator))]
    [InlineData("/x/..%5Cadmin/", nameof(EncodedSeparator))]
    [InlineData("/x/..%5cadmin/", nameof(EncodedSeparator))]
    [InlineData("/admin\\", nameof(ForbiddenCharacter))]
    [InlineData("/x\\..\\admin\\", nameof(ForbiddenCharacter))]
    [InlineData("/admin;x/", nameof(ForbiddenCharacter))]
    [InlineData("/admin;/", nameof(ForbiddenCharacter))]
    [InlineData("/x/..;/admin/", nameof(ForbiddenCharacter))]
    [InlineData("/admin%3Bx/", nameof(ForbiddenCharacter))]
    [InlineData("/admin%3bjsessionid=1/", nameof(ForbiddenCharacter))]
    [InlineData("/admin%252F", nameof(DoubleEncoding))]
    [InlineData("/admin%252f", nameof(DoubleEncoding))]
    [InlineData("/x/%252e%252e/admin/", nameof(DoubleEncoding))]
    [InlineData("/x/..%255Cadmin/", nameof(DoubleEncoding))]
    [InlineData("/%25%32%46admin", nameof(DoubleEncoding))]
    [InlineData("/%2541dmin", nameof(DoubleEncoding))]
    [InlineData("/admin%", nameof(BadPercentEncoding))]
    [InlineData("/admin%2", nameof(BadPercentEncoding))]
    [InlineData("/admin%zz", nameof(BadPercentEncoding))]
    [InlineData("/admin%u002F", nameof(BadPercentEncoding))]
    [InlineData("/admin%00/", nameof(ControlCharacter))]
    [InlineData("/admin%0A/", nameof(ControlCharacter))]
    [InlineData("/admin%0d%0aX-Forwarded-User:%20a", nameof(ControlCharacter))]
    [InlineData("/admin%09/", nameof(ControlCharacter))]
    [InlineData("/admin%7F/", nameof(ControlCharacter))]
    [InlineData("/admin%C2%85/", nameof(ControlCharacter))]
    [InlineData("/admin\0/", nameof(ControlCharacter))]
    [InlineData("/admin /", nameof(ControlCharacter))]
    [InlineData("/%C0%AFadmin/", nameof(NotUtf8))]
    [InlineData("/x/%C0%AE%C0%AE/admin/", nameof(NotUtf8))]
    [InlineData("/x/%E0%80%AF../admin", nameof(NotUtf8))]
    [InlineData("/%C1%9C", nameof(NotUtf8))]
    [InlineData("/%ED%A0%80", nameof(NotUtf8))]
    [InlineData("/%E5%BC", nameof(NotUtf8))]
    [InlineData("/%FF", nameof(NotUtf8))]
    [InlineData("/admin./", nameof(TrailingDotOrSpace))]
    [InlineData("/admin%2e/", nameof(TrailingDotOrSpace))]
    [InlineData("/admin%20/", nameof(TrailingDotOrSpace))]
    [InlineData("/admin.../x", nameof(TrailingDotOrSpace))]
    [InlineData("/..", nameof(AboveRoot))]
    [InlineData("/../admin/", nameof(AboveRoot))]
    [InlineData("/x/../../admin/", nameof(AboveRoot))]
    [InlineData("/%2e%2e/admin", nameof(AboveRoot))]
    [InlineData("*", nameof(NotAPath))]
    [InlineData("app2.sso.localhost:443", nameof(NotAPath))]
    [InlineData("/admin\"x", nameof(ForbiddenCharacter))]
    [InlineData("/admin<x>", nameof(ForbiddenCharacter))]
    [InlineData("/admin|x", nameof(ForbiddenCharacter))]
    [InlineData("/adm\u00efn", nameof(ForbiddenCharacter))]
    public void Refuses(string rawTarget, string expected)
    {
        Assert.False(CanonicalPath.TryCanonicalize(rawTarget, out _, out var refusal), rawTarget);
        Assert.Equal(expected, refusal.ToString());
    }

    /// <summary>The shortcut never answers "canonical" for a target the full canonicalisation would change or refuse.</summary>
    [Theory]
    [MemberData(nameof(EveryTarget))]
    public void AlreadyCanonical_OnlyWhenTheFullRuleAgrees(string rawTarget)
    {
        if (!CanonicalPath.IsAlreadyCanonical(rawTarget))
        {
            return;
        }
        Assert.True(CanonicalPath.TryCanonicalize(rawTarget, out var canonical, out _), rawTarget);
        Assert.Equal(rawTarget.Split('?', '#')[0], canonical);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/admin/")]
    [InlineData("/mail/inbox?folder=x/../y")]
    [InlineData("/a-b_c~d/e.txt")]
    public void AlreadyCanonical_CoversTheUsualPaths(string rawTarget) => Assert.True(CanonicalPath.IsAlreadyCanonical(rawTarget));

    public static TheoryData<string> EveryTarget()
    {
        var data = new TheoryData<string>();
        foreach (var method in new[] { nameof(Canonicalises), nameof(Refuses) })
        {
            foreach (var row in typeof(CanonicalPathTests).GetMethod(method)!.GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>())
            {
                data.Add((string)row.GetData(null!).First()[0]);
            }
        }
        foreach (var extra in new[] { "/a.", "/a./b", "/.", "/..", "/a/.", "/x/y/", "//", "/a%2e", "/a\\b" })
        {
            data.Add(extra);
        }
        return data;
    }
}
