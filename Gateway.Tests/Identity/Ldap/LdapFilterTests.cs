using Gateway.Identity.Ldap;

namespace Gateway.Tests.Identity.Ldap;

public sealed class LdapFilterTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("*", "\\2a")]
    [InlineData("*)(uid=*))(|(uid=*", "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a")]
    [InlineData("a\\b", "a\\5cb")]
    [InlineData("\0", "\\00")]
    [InlineData("张", "\\e5\\bc\\a0")]
    public void Escape_FollowsRfc4515(string value, string escaped) => Assert.Equal(escaped, LdapFilter.Escape(value));

    [Theory]
    [InlineData("cn=admins,ou=groups,dc=example,dc=com", "admins")]
    [InlineData("CN=Domain Admins,CN=Users,DC=corp,DC=example", "Domain Admins")]
    [InlineData("cn=a\\,b,ou=groups", "a,b")]
    public void FirstRdnValue(string dn, string value) => Assert.Equal(value, LdapFilter.FirstRdnValue(dn));
}
