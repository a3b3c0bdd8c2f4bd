using Gateway.Configuration;
using Gateway.Identity.Ldap;
using Gateway.Identity.Sql;
using Gateway.Sessions;
using Microsoft.Extensions.Options;

namespace Gateway.Identity;

internal static class IdentityExtensions
{
    /// <summary>
    /// The user directories (users file, LDAP, SQL) and password verification, and the revocation of sessions when a
    /// directory edit removes, disables or re-keys an account (the gateway's own, not ASP.NET Core Identity).
    /// </summary>
    public static IServiceCollection AddIdentity(this IServiceCollection services)
    {
        services.AddSingleton<UserDirectory>();
        // Cached session records of users-file accounts point at the directory's strings (Sessions asks for this).
        services.AddSingleton<ISessionStringSource, UsersFileSessionStrings>();
        services.AddSingleton<PasswordVerifier>();
        services.AddSingleton<ExternalProviders>();
        services.AddSingleton<IAccountDirectory>(sp => string.IsNullOrEmpty(sp.GetRequiredService<IOptions<SsoOptions>>().Value.UsersFile)
            ? NoDirectory.Instance
            : ActivatorUtilities.CreateInstance<UsersFileAccounts>(sp));
        services.AddSingleton<IAccountDirectory>(sp => sp.GetRequiredService<IOptions<SsoOptions>>().Value.Ldap is { Url.Length: > 0 } ldap
            ? new LdapAccountDirectory(ldap, sp.GetRequiredService<ILogger<LdapAccountDirectory>>())
            : NoDirectory.Instance);
        services.AddSingleton<IAccountDirectory>(sp => sp.GetRequiredService<IOptions<SsoOptions>>().Value.Sql is { Provider.Length: > 0 } sql
            ? new SqlAccountDirectory(sql, sp.GetRequiredService<ILogger<SqlAccountDirectory>>())
            : NoDirectory.Instance);
        services.AddSingleton<AccountDirectories>();
        services.AddSingleton<DirectoryRecheck>();
        services.AddSingleton<IValidateOptions<SsoOptions>, AccountDirectoriesOptionsValidator>();
        // Resolving the directory at startup makes a missing or malformed file stop startup.
        services.AddHostedService<UserDirectoryStartup>();
        // Sessions of removed, disabled or re-keyed accounts end as soon as the directory edit is loaded.
        services.AddHostedService<DirectoryRevocation>();
        return services;
    }

    private sealed class UserDirectoryStartup(UserDirectory directory) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(directory.Count);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A directory that is not configured: left out of <see cref="AccountDirectories"/>.</summary>
    private sealed class NoDirectory : IAccountDirectory
    {
        public static readonly NoDirectory Instance = new();

        public string Kind => "";

        public Task<PasswordCheck> CheckPasswordAsync(string username, string password, bool checkUnknown, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Not configured.");

        public Task<DirectoryAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Not configured.");
    }
}
