using System.DirectoryServices.Protocols;
using System.Net;
using System.Security.Cryptography;

namespace Gateway.Identity.Ldap;

/// <summary>
/// Accounts in LDAP or Active Directory (System.DirectoryServices.Protocols): the service account finds the user
/// (username escaped per RFC 4515), a bind as that DN checks the password (an empty password never binds: LDAP
/// would take it for an anonymous bind), then the groups are read. Servers are tried in order; a directory that
/// does not answer in <see cref="LdapDirectoryOptions.Timeout"/> throws <see cref="DirectoryUnavailableException"/>.
/// </summary>
internal sealed partial class LdapAccountDirectory(LdapDirectoryOptions options, ILogger<LdapAccountDirectory> logger) : IAccountDirectory
{
    private const int InvalidCredentials = 49;

    private readonly IReadOnlyList<Uri> _servers = options.Servers;
    private readonly string _bindPassword = ReadBindPassword(options);
    private readonly IReadOnlyList<string> _passwordChanged = options.PasswordChangedAttributes;

    public string Kind => "ldap";

    public Task<PasswordCheck> CheckPasswordAsync(string username, string password, bool checkUnknown, CancellationToken cancellationToken) =>
        WithDeadline(() => CheckPassword(username, password, checkUnknown), cancellationToken);

    public Task<DirectoryAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        WithDeadline(() =>
        {
            using var connection = ServiceConnection();
            return Find(connection, username);
        }, cancellationToken);

    /// <summary>
    /// Runs the blocking LDAP calls on the thread pool with an overall deadline: libldap's bind does not honour the
    /// connection's timeout, so a server that accepts connections but never answers (hung, or frozen) would otherwise
    /// hold the sign-in forever. The abandoned call ends when the server answers or the connection drops; the
    /// sign-in limiter bounds how many there can be.
    /// </summary>
    private async Task<T> WithDeadline<T>(Func<T> work, CancellationToken cancellationToken)
    {
        // Each search honours Timeout itself; the whole sign-in (binds and searches) gets twice that.
        var deadline = options.Timeout * 2;
        try
        {
            return await Task.Run(work, cancellationToken).WaitAsync(deadline, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            Log.Unavailable(logger, nameof(TimeoutException), 0);
            throw new DirectoryUnavailableException(Kind, ex);
        }
    }

    private PasswordCheck CheckPassword(string username, string password, bool checkUnknown)
    {
        // A known name and an unknown one cost the same round trips: the service account's bind and one search,
        // then one more bind (the user's, or a dummy that fails). Groups and the disabled flag are read only after the
        // password proved right, on the still open service connection; reading them first made every wrong password
        // two searches slower than an unknown name (bench/SignInTiming).
        using var connection = ServiceConnection();
        var entry = FindEntry(connection, username);
        if (entry is null)
        {
            if (checkUnknown)
            {
                TryBind(options.DummyBindDn is { Length: > 0 } dummy ? dummy : $"uid={RandomNumberGenerator.GetHexString(16)},{options.UserSearchBase}",
                    RandomNumberGenerator.GetHexString(16));
            }
            return new PasswordCheck(PasswordOutcome.UnknownUser, null);
        }
        if (password.Length == 0 || !TryBind(entry.DistinguishedName, password))
        {
            // The groups and the disabled flag are not read for a wrong password.
            return new PasswordCheck(PasswordOutcome.WrongPassword, Describe(connection, entry, username, readGroups: false));
        }
        var account = Describe(connection, entry, username, readGroups: true);
        return new PasswordCheck(account.Disabled ? PasswordOutcome.Disabled : PasswordOutcome.Succeeded, account);
    }

    /// <summary>The one entry the user filter finds, with its groups and disabled flag; null when there is none.</summary>
    private DirectoryAccount? Find(LdapConnection connection, string username) =>
        FindEntry(connection, username) is { } entry ? Describe(connection, entry, username, readGroups: true) : null;

    /// <summary>The one entry the user filter finds (none, or an ambiguous match, is no user).</summary>
    private SearchResultEntry? FindEntry(LdapConnection connection, string username)
    {
        if (username.Length == 0)
        {
            return null;
        }
        var attributes = new[] { options.UsernameAttribute, options.EmailAttribute, options.DisplayNameAttribute, "cn" }
            .Concat(options.GroupsAttribute is { } g ? [g] : [])
            .Concat(_passwordChanged) // operational in OpenLDAP: returned only when asked for by name
            .ToArray();
        var found = Search(connection, options.UserSearchBase!, LdapFilter.Format(options.UserFilter, username), SearchScope.Subtree, attributes, sizeLimit: 2);
        if (found.Count != 1)
        {
            if (found.Count > 1)
            {
                Log.Ambiguous(logger, username);
            }
            return null;
        }
        return found[0];
    }

    /// <summary>The account an entry describes; its groups and disabled flag only when <paramref name="readGroups"/> (two more searches).</summary>
    private DirectoryAccount Describe(LdapConnection connection, SearchResultEntry entry, string username, bool readGroups)
    {
        var name = Values(entry, options.UsernameAttribute).FirstOrDefault() ?? username;
        string[] groups = !readGroups ? []
            : options.GroupsAttribute is { } attribute ? Values(entry, attribute).Select(LdapFilter.FirstRdnValue).ToArray()
            : Search(connection, options.GroupSearchBase ?? options.UserSearchBase!, LdapFilter.Format(options.GroupFilter, username, entry.DistinguishedName),
                    SearchScope.Subtree, [options.GroupNameAttribute], sizeLimit: 1000)
                .Select(group => Values(group, options.GroupNameAttribute).FirstOrDefault() ?? LdapFilter.FirstRdnValue(group.DistinguishedName))
                .ToArray();
        var disabled = readGroups && Search(connection, entry.DistinguishedName, options.DisabledFilter, SearchScope.Base, ["1.1"], sizeLimit: 1).Count > 0;
        return new DirectoryAccount(
            name,
            Values(entry, options.EmailAttribute).FirstOrDefault() ?? "",
            Values(entry, options.DisplayNameAttribute).FirstOrDefault() ?? Values(entry, "cn").FirstOrDefault() ?? "",
            groups.Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            disabled,
            PasswordStamp(entry, name));
    }

    /// <summary>
    /// The account's stamp from the first password-changed attribute the entry has (an entry with none, e.g. a password
    /// never changed under ppolicy, has the stamp of "none": its first change ends the sessions too); null when
    /// <see cref="LdapDirectoryOptions.PasswordChangedAttribute"/> is empty.
    /// </summary>
    private string? PasswordStamp(SearchResultEntry entry, string name)
    {
        if (_passwordChanged.Count == 0)
        {
            return null;
        }
        foreach (var attribute in _passwordChanged)
        {
            if (Values(entry, attribute).FirstOrDefault() is { } changed)
            {
                return AccountStamp.OfDirectoryAccount(name, $"{attribute.ToLowerInvariant()}={changed}");
            }
        }
        return AccountStamp.OfDirectoryAccount(name, "");
    }

    private List<SearchResultEntry> Search(LdapConnection connection, string baseDn, string filter, SearchScope scope, string[] attributes, int sizeLimit)
    {
        var request = new SearchRequest(baseDn, filter, scope, attributes) { SizeLimit = sizeLimit, TimeLimit = options.Timeout };
        try
        {
            var response = (SearchResponse)connection.SendRequest(request, options.Timeout);
            return response.Entries.Cast<SearchResultEntry>().ToList();
        }
        catch (DirectoryOperationException ex) when (ex.Response?.ResultCode is ResultCode.NoSuchObject)
        {
            return [];
        }
        catch (DirectoryOperationException ex) when (ex.Response is SearchResponse partial && ex.Response.ResultCode == ResultCode.SizeLimitExceeded)
        {
            return partial.Entries.Cast<SearchResultEntry>().ToList();
        }
        catch (Exception ex) when (ex is LdapException or DirectoryOperationException or DirectoryException or TimeoutException)
        {
            Log.Unavailable(logger, ex.GetType().Name, (ex as LdapException)?.ErrorCode ?? 0);
            throw new DirectoryUnavailableException(Kind, ex);
        }
    }

    /// <summary>A connection bound as the service account, to the first server that answers.</summary>
    private LdapConnection ServiceConnection()
    {
        Exception? last = null;
        foreach (var server in _servers)
        {
            LdapConnection? connection = null;
            try
            {
                connection = Connect(server);
                connection.Bind(new NetworkCredential(options.BindDn, _bindPassword));
                return connection;
            }
            catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
            {
                connection?.Dispose();
                Log.ServiceAccountRefused(logger, options.BindDn ?? "");
                throw new DirectoryUnavailableException(Kind, ex);
            }
            catch (Exception ex) when (ex is LdapException or DirectoryOperationException or TimeoutException)
            {
                connection?.Dispose();
                last = ex;
            }
        }
        Log.Unavailable(logger, last?.GetType().Name ?? "no server", (last as LdapException)?.ErrorCode ?? 0);
        throw new DirectoryUnavailableException(Kind, last);
    }

    /// <summary>True when <paramref name="dn"/> binds with <paramref name="password"/>; false for wrong credentials.</summary>
    private bool TryBind(string dn, string password)
    {
        Exception? last = null;
        foreach (var server in _servers)
        {
            try
            {
                using var connection = Connect(server);
                connection.Bind(new NetworkCredential(dn, password));
                return true;
            }
            catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
            {
                return false;
            }
            catch (Exception ex) when (ex is LdapException or DirectoryOperationException or TimeoutException)
            {
                last = ex;
            }
        }
        Log.Unavailable(logger, last?.GetType().Name ?? "no server", (last as LdapException)?.ErrorCode ?? 0);
        throw new DirectoryUnavailableException(Kind, last);
    }

    private LdapConnection Connect(Uri server)
    {
        var secure = server.Scheme.Equals("ldaps", StringComparison.OrdinalIgnoreCase);
        var port = server.IsDefaultPort || server.Port <= 0 ? (secure ? 636 : 389) : server.Port;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(server.Host, port), null, AuthType.Basic)
        {
            Timeout = options.Timeout,
            AutoBind = false,
        };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
        if ((secure || options.StartTls) && options.TrustedCertificatesDirectory is { Length: > 0 } trusted && !OperatingSystem.IsWindows())
        {
            connection.SessionOptions.TrustedCertificatesDirectory = trusted;
            connection.SessionOptions.StartNewTlsSessionContext();
        }
        if (secure)
        {
            connection.SessionOptions.SecureSocketLayer = true;
        }
        else if (options.StartTls)
        {
            StartTls(connection);
        }
        return connection;
    }

    /// <summary>
    /// Upgrades a new <c>ldap://</c> connection with StartTLS before any credential is sent; throws when TLS cannot be
    /// had (untrusted or mismatched certificate: LDAP error 91; a server without StartTLS: <see cref="TlsOperationException"/>),
    /// and the caller then drops the connection, which is never used in clear.
    /// </summary>
    /// <remarks>
    /// System.DirectoryServices.Protocols 10 on Linux gives libldap the server's address only when the connection first
    /// binds, so StartTLS on a fresh connection fails without a packet sent ("The LDAP server is unavailable", 81;
    /// dotnet/runtime#56619). An anonymous bind (no name, no password) connects first; a server that refuses anonymous
    /// binds answers with a result code and keeps the connection, which is all that is needed here.
    /// </remarks>
    private static void StartTls(LdapConnection connection)
    {
        connection.AuthType = AuthType.Anonymous;
        try
        {
            connection.Bind();
        }
        catch (DirectoryOperationException)
        {
            // Refused (e.g. slapd's "security tls=1", or "disallow bind_anon"): connected all the same.
        }
        connection.AuthType = AuthType.Basic;
        connection.SessionOptions.StartTransportLayerSecurity(null);
    }

    private static IEnumerable<string> Values(SearchResultEntry entry, string attribute)
    {
        var values = entry.Attributes[attribute];
        if (values is null)
        {
            yield break;
        }
        foreach (var value in values.GetValues(typeof(string)))
        {
            if (value is string text && text.Length > 0)
            {
                yield return text;
            }
        }
    }

    private static string ReadBindPassword(LdapDirectoryOptions options) =>
        options.BindPasswordFile is { Length: > 0 } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : options.BindPassword ?? "";

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Identity.LdapUnavailable, LogLevel.Warning, "LDAP directory did not answer ({Fault}, code {LdapErrorCode})")]
        public static partial void Unavailable(ILogger logger, string fault, int ldapErrorCode);

        [LoggerMessage(GatewayEventIds.Identity.LdapServiceAccountRefused, LogLevel.Error, "LDAP directory refused the service account {BindDn}: check Sso:Ldap:BindDn and its password")]
        public static partial void ServiceAccountRefused(ILogger logger, string bindDn);

        [LoggerMessage(GatewayEventIds.Identity.LdapAmbiguous, LogLevel.Warning, "LDAP user filter matched more than one entry for {User}: nobody is signed in")]
        public static partial void Ambiguous(ILogger logger, string user);
    }
}
