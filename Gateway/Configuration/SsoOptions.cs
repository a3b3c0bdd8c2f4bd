using Microsoft.AspNetCore.Http;

namespace Gateway.Configuration;

/// <summary>The <c>Sso</c> configuration section (SPEC §3). Every default is the documented one.</summary>
public sealed class SsoOptions
{
    public const string SectionName = "Sso";

    /// <summary>Name of the session cookie. Default <c>sso_session</c>.</summary>
    public string CookieName { get; set; } = "sso_session";

    /// <summary>Domain of the session cookie, e.g. <c>.example.com</c>. Default none: a host-only cookie.</summary>
    public string? CookieDomain { get; set; }

    /// <summary>Whether the cookie carries <c>Secure</c>. Default <c>true</c>; <c>false</c> only for plain-http development.</summary>
    public bool CookieSecure { get; set; } = true;

    /// <summary><c>Lax</c> (default), <c>Strict</c> or <c>None</c>.</summary>
    public SameSiteMode CookieSameSite { get; set; } = SameSiteMode.Lax;

    /// <summary>A session unused this long is gone (sliding). Default one hour.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A session older than this is gone, used or not. Default twelve hours.</summary>
    public TimeSpan AbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Prefix of the gateway's own endpoints, on every host. Default <c>/_sso</c>.</summary>
    public string PathPrefix { get; set; } = "/_sso";

    /// <summary>If set (<c>sso.example.com</c>), sign-in happens there; else on the request's host.</summary>
    public string? LoginHost { get; set; }

    /// <summary>Extra hosts accepted in <c>returnUrl</c>; <c>*.partner.com</c> wildcards allowed.</summary>
    public List<string> AllowedReturnHosts { get; set; } = [];

    /// <summary>StackExchange.Redis configuration string. Absent: in-memory store, single instance only.</summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of every Redis key the gateway writes. Default <c>sso:</c>.</summary>
    public string RedisKeyPrefix { get; set; } = "sso:";

    /// <summary>How long a store call may take before the request fails closed with 503. Default two seconds.</summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an instance may trust a session it read from Redis without asking again. Sign-outs, revocations and
    /// re-checked accounts reach every instance at once by pub/sub, and an instance that has not heard its channel for
    /// <see cref="Sessions.SessionCache.ListeningWindow"/> trusts nothing (so a lost subscription or an outage is noticed
    /// within that, whatever this is); this bounds how stale a copy can be if a message is lost anyway. Default 30
    /// seconds, never more than half of <see cref="IdleTimeout"/>; <c>00:00:00</c> turns the cache off.
    /// </summary>
    public TimeSpan? SessionCacheDuration { get; set; }

    /// <summary>The default of <see cref="SessionCacheDuration"/>.</summary>
    public static readonly TimeSpan DefaultSessionCacheDuration = TimeSpan.FromSeconds(30);

    /// <summary><see cref="SessionCacheDuration"/> as configured, else its default for this <see cref="IdleTimeout"/>.</summary>
    public TimeSpan EffectiveSessionCacheDuration => SessionCacheDuration
        ?? (IdleTimeout / 2 < DefaultSessionCacheDuration ? IdleTimeout / 2 : DefaultSessionCacheDuration);

    /// <summary>Most sessions one instance keeps in its local cache. Default 100 000.</summary>
    public int SessionCacheSize { get; set; } = 100_000;

    /// <summary>Data Protection key folder when <see cref="Redis"/> is absent (else keys live in Redis).</summary>
    public string? KeysDirectory { get; set; }

    /// <summary>The user directory; relative paths are from the content root. Default <c>config/users.json</c>.</summary>
    public string UsersFile { get; set; } = "config/users.json";

    /// <summary>Named access policies, e.g. <c>"admins": { "Groups": ["admin"] }</c>.</summary>
    public Dictionary<string, AccessPolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The <see cref="Policies"/> entry whose users may use the admin API (<c>{PathPrefix}/admin/…</c>).
    /// Default none: the admin API is off (its paths answer 404).
    /// </summary>
    public string? AdminPolicy { get; set; }

    /// <summary>Names of the identity headers sent to backends.</summary>
    public IdentityHeaderNames Headers { get; set; } = new();

    /// <summary>Failed sign-ins allowed per username and per client address.</summary>
    public LockoutOptions Lockout { get; set; } = new();

    /// <summary>
    /// The order in which the sign-in form asks directories: <c>file</c>, <c>ldap</c>, <c>sql</c>. Default: the users
    /// file when configured, then LDAP, then SQL (each only when configured).
    /// </summary>
    public List<string> Directories { get; set; } = [];

    /// <summary>LDAP / Active Directory accounts (<c>Sso:Ldap:Url</c> turns it on).</summary>
    public Gateway.Identity.Ldap.LdapDirectoryOptions Ldap { get; set; } = new();

    /// <summary>An SQL users table (<c>Sso:Sql:Provider</c> turns it on).</summary>
    public Gateway.Identity.Sql.SqlDirectoryOptions Sql { get; set; } = new();

    /// <summary>How many password checks run at once, and how many may wait (a sign-in storm must not take every core).</summary>
    public PasswordCheckOptions PasswordChecks { get; set; } = new();
}

/// <summary>One named policy: a user passes when named in <see cref="Users"/> or a member of one of <see cref="Groups"/>.</summary>
public sealed class AccessPolicyOptions
{
    public List<string> Groups { get; set; } = [];
    public List<string> Users { get; set; } = [];
}

public sealed class IdentityHeaderNames
{
    public string User { get; set; } = "X-Forwarded-User";
    public string Email { get; set; } = "X-Forwarded-Email";
    public string Name { get; set; } = "X-Forwarded-Name";
    public string Groups { get; set; } = "X-Forwarded-Groups";

    public IEnumerable<string> All => [User, Email, Name, Groups];
}

public sealed class LockoutOptions
{
    /// <summary>Failed sign-ins per username, and per client address, before 429. Default 5.</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>How long failures are remembered. Default fifteen minutes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}

public sealed class PasswordCheckOptions
{
    /// <summary>
    /// Password verifications (deliberately slow PBKDF2) running at once. Default half the processors, at least one,
    /// so proxied traffic keeps the rest during a sign-in storm.
    /// </summary>
    public int MaxConcurrent { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Sign-ins that may wait for a free verification; past this the answer is 503 with <c>Retry-After</c>. Default 32.</summary>
    public int QueueLimit { get; set; } = 32;
}
