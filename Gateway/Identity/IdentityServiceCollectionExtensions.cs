namespace Gateway.Identity;

internal static class IdentityServiceCollectionExtensions
{
    public static IServiceCollection AddUserDirectory(this IServiceCollection services)
    {
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<PasswordVerifier>();
        services.AddSingleton<ExternalProviders>();
        // Resolving the directory at startup makes a missing or malformed file stop startup.
        services.AddHostedService<UserDirectoryStartup>();
        return services;
    }

    private sealed class UserDirectoryStartup(UserDirectory directory) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(directory.Count);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
