using System.Text;

namespace Gateway.Identity.Ldap;

/// <summary>RFC 4515 escaping of values placed into LDAP search filters: <c>*)(uid=*))(|(uid=*</c> finds nothing.</summary>
internal static class LdapFilter
{
    public static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            // '*', '(', ')', '\' and NUL must be escaped; every other non-ASCII or control byte is escaped too.
            if (b is (byte)'*' or (byte)'(' or (byte)')' or (byte)'\\' or < 0x20 or >= 0x7F)
            {
                builder.Append('\\').Append(b.ToString("x2"));
            }
            else
            {
                builder.Append((char)b);
            }
        }
        return builder.ToString();
    }

    /// <summary>The filter with <c>{0}</c> (username) and <c>{dn}</c> (the user's DN) replaced by escaped values.</summary>
    public static string Format(string template, string username, string? dn = null) =>
        template.Replace("{0}", Escape(username), StringComparison.Ordinal)
            .Replace("{dn}", dn is null ? "" : Escape(dn), StringComparison.Ordinal);

    /// <summary>The value of a DN's first RDN: <c>cn=admins,ou=groups,dc=example,dc=com</c> → <c>admins</c>.</summary>
    public static string FirstRdnValue(string dn)
    {
        var value = new StringBuilder();
        var equals = dn.IndexOf('=');
        for (var i = equals + 1; i < dn.Length; i++)
        {
            var c = dn[i];
            if (c == '\\' && i + 1 < dn.Length)
            {
                value.Append(dn[++i]);
                continue;
            }
            if (c is ',' or '+')
            {
                break;
            }
            value.Append(c);
        }
        return value.ToString().Trim();
    }
}
