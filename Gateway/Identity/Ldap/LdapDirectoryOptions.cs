namespace Gateway.Identity.Ldap;

/// <summary><c>Sso:Ldap</c>: accounts in LDAP or Active Directory.</summary>
public sealed class LdapDirectoryOptions
{
    /// <summary>One or more <c>ldap://</c> / <c>ldaps://</c> servers, separated by spaces or commas, tried in order. Unset: no LDAP directory.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// Upgrade <c>ldap://</c> connections with StartTLS (the certificate verified as for <c>ldaps://</c>) before any
    /// credential is sent; a server that cannot do it counts as down, never as a reason to bind in clear. Default false.
    /// </summary>
    public bool StartTls { get; set; }

    /// <summary>
    /// A folder of CA certificates (PEM, named by subject hash as <c>openssl rehash</c> makes them) that the servers'
    /// certificates must chain to, for a private CA such as Active Directory Certificate Services. Default: the
    /// system's trust store. Server certificates are always verified.
    /// </summary>
    public string? TrustedCertificatesDirectory { get; set; }

    /// <summary>The service account that searches for users (read-only).</summary>
    public string? BindDn { get; set; }

    /// <summary>Its password: from an environment variable (<c>Sso__Ldap__BindPassword</c>) or <see cref="BindPasswordFile"/>.</summary>
    public string? BindPassword { get; set; }

    /// <summary>A file holding the service account's password (a mounted secret), read at startup.</summary>
    public string? BindPasswordFile { get; set; }

    public string? UserSearchBase { get; set; }

    /// <summary><c>{0}</c> is the typed username, escaped per RFC 4515. Default <c>(uid={0})</c>; AD: <c>(sAMAccountName={0})</c>.</summary>
    public string UserFilter { get; set; } = "(uid={0})";

    /// <summary>Where groups are searched (with <see cref="GroupFilter"/>) unless <see cref="GroupsAttribute"/> is set.</summary>
    public string? GroupSearchBase { get; set; }

    /// <summary><c>{dn}</c> is the user's DN and <c>{0}</c> the username, both escaped. Default <c>(member={dn})</c>.</summary>
    public string GroupFilter { get; set; } = "(member={dn})";

    /// <summary>An attribute of the user listing group DNs (AD and OpenLDAP's memberof overlay: <c>memberOf</c>); the group name is the first RDN's value.</summary>
    public string? GroupsAttribute { get; set; }

    /// <summary>Attribute of a group that is its name. Default <c>cn</c>.</summary>
    public string GroupNameAttribute { get; set; } = "cn";

    /// <summary>Attribute whose value is the username sent to backends. Default <c>uid</c>; AD: <c>sAMAccountName</c>.</summary>
    public string UsernameAttribute { get; set; } = "uid";

    public string EmailAttribute { get; set; } = "mail";

    /// <summary>Display name attribute; <c>cn</c> when the user has none. Default <c>displayName</c>.</summary>
    public string DisplayNameAttribute { get; set; } = "displayName";

    /// <summary>
    /// A user matching this filter is disabled. Default: Active Directory's disabled bit,
    /// <c>(userAccountControl:1.2.840.113556.1.4.803:=2)</c> (matches nothing on directories without that attribute).
    /// </summary>
    public string DisabledFilter { get; set; } = "(userAccountControl:1.2.840.113556.1.4.803:=2)";

    /// <summary>
    /// Attributes that change when the user's password changes, separated by spaces or commas; the first one the entry
    /// has binds its sessions to the password (a change ends them at the next re-check). Default
    /// <c>pwdChangedTime,pwdLastSet</c>: OpenLDAP's ppolicy overlay and Active Directory. Empty: sessions are not bound.
    /// </summary>
    public string PasswordChangedAttribute { get; set; } = "pwdChangedTime,pwdLastSet";

    /// <summary>The attributes of <see cref="PasswordChangedAttribute"/>, in order.</summary>
    public IReadOnlyList<string> PasswordChangedAttributes => (PasswordChangedAttribute ?? "")
        .Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Where the dummy bind of an unknown name goes. Default: a DN that does not exist under
    /// <see cref="UserSearchBase"/>, which OpenLDAP refuses without checking any hash, so that a directory hashing
    /// passwords slowly (<c>{ARGON2}</c>, <c>{CRYPT}</c>) answers unknown names faster than wrong passwords. Name an
    /// entry whose password nobody knows, hashed like everybody's and exempt from lockout, and unknown names cost
    /// the server's hash too.
    /// </summary>
    public string? DummyBindDn { get; set; }

    /// <summary>Longest an LDAP operation may take before the directory counts as down. Default five seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a live session from this directory is re-checked against it. Default five minutes.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The servers of <see cref="Url"/>, in order.</summary>
    public IReadOnlyList<Uri> Servers => (Url ?? "")
        .Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(u => new Uri(u))
        .ToList();
}
