using Gateway.Configuration;
using Gateway.Identity.Sql;
using Microsoft.Extensions.Options;

namespace Gateway.Identity;

/// <summary>Checks <c>Sso:Directories</c>, <c>Sso:Ldap</c> and <c>Sso:Sql</c> at startup, naming each bad key.</summary>
internal sealed class AccountDirectoriesOptionsValidator : IValidateOptions<SsoOptions>
{
    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        var errors = new List<string>();
        var configured = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase)
        {
            ["file"] = !string.IsNullOrEmpty(options.UsersFile),
            ["ldap"] = !string.IsNullOrWhiteSpace(options.Ldap.Url),
            ["sql"] = !string.IsNullOrWhiteSpace(options.Sql.Provider),
        };
        for (var i = 0; i < options.Directories.Count; i++)
        {
            var kind = options.Directories[i];
            if (!configured.TryGetValue(kind ?? "", out var isConfigured))
            {
                errors.Add($"Sso:Directories:{i}: '{kind}' is not a directory (file, ldap or sql).");
            }
            else if (!isConfigured)
            {
                errors.Add($"Sso:Directories:{i}: '{kind}' is listed but not configured.");
            }
            else if (options.Directories.Take(i).Contains(kind, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"Sso:Directories:{i}: '{kind}' is listed twice.");
            }
        }
        if (configured["ldap"])
        {
            ValidateLdap(options.Ldap, errors);
        }
        if (configured["sql"])
        {
            ValidateSql(options.Sql, errors);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateLdap(Ldap.LdapDirectoryOptions ldap, List<string> errors)
    {
        foreach (var url in (ldap.Url ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ldap" or "ldaps") || uri.Host.Length == 0)
            {
                errors.Add($"Sso:Ldap:Url: '{url}' is not an ldap:// or ldaps:// URL.");
            }
        }
        if (string.IsNullOrWhiteSpace(ldap.BindDn))
        {
            errors.Add("Sso:Ldap:BindDn: the service account's DN is required (e.g. cn=sso-reader,dc=example,dc=com).");
        }
        if (string.IsNullOrEmpty(ldap.BindPassword) && string.IsNullOrEmpty(ldap.BindPasswordFile))
        {
            errors.Add("Sso:Ldap:BindPassword: required (from the environment, Sso__Ldap__BindPassword, or a file named by Sso:Ldap:BindPasswordFile).");
        }
        if (!string.IsNullOrEmpty(ldap.BindPasswordFile) && !File.Exists(ldap.BindPasswordFile))
        {
            errors.Add($"Sso:Ldap:BindPasswordFile: '{ldap.BindPasswordFile}' does not exist.");
        }
        if (!string.IsNullOrEmpty(ldap.TrustedCertificatesDirectory) && !Directory.Exists(ldap.TrustedCertificatesDirectory))
        {
            errors.Add($"Sso:Ldap:TrustedCertificatesDirectory: '{ldap.TrustedCertificatesDirectory}' is not a folder.");
        }
        if (string.IsNullOrWhiteSpace(ldap.UserSearchBase))
        {
            errors.Add("Sso:Ldap:UserSearchBase: required (e.g. ou=people,dc=example,dc=com).");
        }
        if (!ldap.UserFilter.Contains("{0}", StringComparison.Ordinal) || !IsParenthesised(ldap.UserFilter))
        {
            errors.Add($"Sso:Ldap:UserFilter: '{ldap.UserFilter}' must be a parenthesised filter with {{0}} for the username, e.g. (uid={{0}}).");
        }
        if (ldap.GroupsAttribute is null && (!IsParenthesised(ldap.GroupFilter) || !(ldap.GroupFilter.Contains("{dn}", StringComparison.Ordinal) || ldap.GroupFilter.Contains("{0}", StringComparison.Ordinal))))
        {
            errors.Add($"Sso:Ldap:GroupFilter: '{ldap.GroupFilter}' must be a parenthesised filter with {{dn}} or {{0}}, e.g. (member={{dn}}).");
        }
        if (!IsParenthesised(ldap.DisabledFilter))
        {
            errors.Add($"Sso:Ldap:DisabledFilter: '{ldap.DisabledFilter}' must be a parenthesised LDAP filter.");
        }
        Positive("Sso:Ldap:Timeout", ldap.Timeout, errors);
        Positive("Sso:Ldap:RecheckInterval", ldap.RecheckInterval, errors);
    }

    private static void ValidateSql(SqlDirectoryOptions sql, List<string> errors)
    {
        if (sql.Provider is not (SqlAccountDirectory.PostgreSql or SqlAccountDirectory.MySql))
        {
            errors.Add($"Sso:Sql:Provider: '{sql.Provider}' is not PostgreSql or MySql.");
        }
        if (string.IsNullOrWhiteSpace(sql.ConnectionString))
        {
            errors.Add("Sso:Sql:ConnectionString: required.");
        }
        if (string.IsNullOrWhiteSpace(sql.Query) || !sql.Query.Contains("@username", StringComparison.Ordinal))
        {
            errors.Add("Sso:Sql:Query: a query with the parameter @username is required (see README.md for examples).");
        }
        Positive("Sso:Sql:Timeout", sql.Timeout, errors);
        Positive("Sso:Sql:RecheckInterval", sql.RecheckInterval, errors);
    }

    private static bool IsParenthesised(string filter) => filter.StartsWith('(') && filter.EndsWith(')');

    private static void Positive(string key, TimeSpan value, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key}: must be positive (e.g. 00:00:05).");
        }
    }
}
