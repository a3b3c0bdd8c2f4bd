using Gateway.Access;
using Gateway.Configuration;
using Gateway.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// Checks the <c>Sso</c> section once at startup, collecting every error, each naming its key (SPEC §3). The other
/// capabilities check their own parts (e.g. Proxy's <c>ProxyOptionsValidator</c> the routes).
/// </summary>
internal sealed class SsoOptionsValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<SsoOptions>
{
    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        var errors = new List<string>();
        ValidateCookie(options, errors);
        ValidateTimeouts(options, errors);
        ValidatePaths(options, errors);
        ValidatePolicies(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateCookie(SsoOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.CookieName) || !options.CookieName.All(IsTokenChar))
        {
            errors.Add($"Sso:CookieName: '{options.CookieName}' is not a valid cookie name.");
        }
        if (options.CookieDomain is { Length: > 0 } domain && !IsHostName(domain.TrimStart('.')))
        {
            errors.Add($"Sso:CookieDomain: '{domain}' is not a domain name (e.g. .example.com).");
        }
        if (options.CookieSameSite is not (SameSiteMode.Lax or SameSiteMode.Strict or SameSiteMode.None))
        {
            errors.Add("Sso:CookieSameSite: must be Lax, Strict or None.");
        }
        if (options.CookieSameSite == SameSiteMode.None && !options.CookieSecure)
        {
            errors.Add("Sso:CookieSameSite: None needs Sso:CookieSecure=true (browsers drop SameSite=None cookies without Secure).");
        }
        foreach (var (key, header) in new[]
        {
            ("User", options.Headers.User), ("Email", options.Headers.Email),
            ("Name", options.Headers.Name), ("Groups", options.Headers.Groups),
        })
        {
            if (string.IsNullOrWhiteSpace(header) || !header.All(IsTokenChar))
            {
                errors.Add($"Sso:Headers:{key}: '{header}' is not a valid header name.");
            }
        }
    }

    private static void ValidateTimeouts(SsoOptions options, List<string> errors)
    {
        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add("Sso:IdleTimeout: must be positive (e.g. 01:00:00).");
        }
        if (options.AbsoluteTimeout <= TimeSpan.Zero)
        {
            errors.Add("Sso:AbsoluteTimeout: must be positive (e.g. 12:00:00).");
        }
        if (options.IdleTimeout > options.AbsoluteTimeout)
        {
            errors.Add("Sso:IdleTimeout: must not be longer than Sso:AbsoluteTimeout.");
        }
        if (options.StoreTimeout <= TimeSpan.Zero)
        {
            errors.Add("Sso:StoreTimeout: must be positive (e.g. 00:00:02).");
        }
        if (options.SessionCacheDuration is { } trust && (trust < TimeSpan.Zero || (options.IdleTimeout > TimeSpan.Zero && trust > options.IdleTimeout)))
        {
            errors.Add("Sso:SessionCacheDuration: must be between 00:00:00 (no cache) and Sso:IdleTimeout (e.g. 00:00:01).");
        }
        if (options.SessionCacheSize < 1)
        {
            errors.Add("Sso:SessionCacheSize: must be at least 1.");
        }
        if (options.Lockout.MaxFailures < 1)
        {
            errors.Add("Sso:Lockout:MaxFailures: must be at least 1.");
        }
        if (options.Lockout.Window <= TimeSpan.Zero)
        {
            errors.Add("Sso:Lockout:Window: must be positive (e.g. 00:15:00).");
        }
        if (options.PasswordChecks.MaxConcurrent < 1)
        {
            errors.Add("Sso:PasswordChecks:MaxConcurrent: must be at least 1.");
        }
        if (options.PasswordChecks.QueueLimit < 0)
        {
            errors.Add("Sso:PasswordChecks:QueueLimit: must be 0 or more.");
        }
    }

    private void ValidatePaths(SsoOptions options, List<string> errors)
    {
        var prefix = options.PathPrefix;
        if (prefix is not { Length: > 1 } || prefix[0] != '/' || prefix[^1] == '/' || prefix.Contains("//") || prefix.Any(char.IsWhiteSpace))
        {
            errors.Add($"Sso:PathPrefix: '{prefix}' must start with '/' and not end with one (e.g. /_sso).");
        }
        var usersFile = Path.GetFullPath(options.UsersFile ?? "", environment.ContentRootPath);
        if (options.UsersFile is "" && (configuration.GetSection(OpenIdConnectProviderOptions.SectionName).GetChildren().Any()
            || options.Ldap is { Url.Length: > 0 } || options.Sql is { Provider.Length: > 0 }))
        {
            // No users file: people sign in against LDAP or SQL, or at the configured OpenID Connect providers.
        }
        else if (options.UsersFile is "")
        {
            errors.Add("Sso:UsersFile: is empty (no users file) but no Sso:Ldap, Sso:Sql or Sso:OpenIdConnect provider is configured, so nobody could sign in.");
        }
        else if (string.IsNullOrWhiteSpace(options.UsersFile) || !File.Exists(usersFile))
        {
            errors.Add($"Sso:UsersFile: the user directory '{usersFile}' does not exist.");
        }
        if (options.LoginHost is { Length: > 0 } loginHost && !IsHostName(loginHost.Split(':')[0]))
        {
            errors.Add($"Sso:LoginHost: '{loginHost}' is not a host name.");
        }
        else if (options.LoginHost is { Length: > 0 } login && options.CookieDomain is { Length: > 0 } cookieDomain
            && !IsUnder(login.Split(':')[0], cookieDomain.TrimStart('.')))
        {
            errors.Add($"Sso:LoginHost: '{login}' is not under Sso:CookieDomain '{cookieDomain}', so a sign-in there could not sign anybody in elsewhere.");
        }
        for (var i = 0; i < options.AllowedReturnHosts.Count; i++)
        {
            var host = options.AllowedReturnHosts[i];
            if (!IsHostName(host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host))
            {
                errors.Add($"Sso:AllowedReturnHosts:{i}: '{host}' is not a host name or *.wildcard.");
            }
        }
    }

    private static void ValidatePolicies(SsoOptions options, List<string> errors)
    {
        foreach (var (name, policy) in options.Policies)
        {
            if (AccessExtensions.BuiltInPolicies.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"Sso:Policies:{name}: '{name}' is reserved for the built-in policy.");
            }
            if (policy.Groups.Count == 0 && policy.Users.Count == 0)
            {
                errors.Add($"Sso:Policies:{name}: names no Groups and no Users, so nobody could pass it.");
            }
        }
    }

    private static bool IsUnder(string host, string domain) =>
        host.Equals(domain, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static bool IsHostName(string host) =>
        host.Length is > 0 and <= 253
        && Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
}
