using Gateway.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Gateway.KeyRing;

internal static class KeyRingExtensions
{
    /// <summary>Every instance must use this name so that all of them read each other's cookies.</summary>
    public const string ApplicationName = "SsoGateway";

    /// <summary>
    /// The Data Protection key ring that protects the session cookie: in Redis when <c>Sso:Redis</c> is set (shared by
    /// every instance, on the sessions' multiplexer, kept whole by <see cref="KeyRingKeeper"/>); otherwise in
    /// <c>Sso:KeysDirectory</c> (or the framework default).
    /// </summary>
    public static IServiceCollection AddKeyRing(this IServiceCollection services, SsoOptions sso)
    {
        services.TryAddSingleton(TimeProvider.System);
        var dataProtection = services.AddDataProtection().SetApplicationName(ApplicationName);

        if (string.IsNullOrWhiteSpace(sso.Redis))
        {
            if (!string.IsNullOrWhiteSpace(sso.KeysDirectory))
            {
                dataProtection.PersistKeysToFileSystem(new DirectoryInfo(sso.KeysDirectory));
            }
            return services;
        }

        // The multiplexer is the session store's (one connection to Redis per instance).
        var keyRing = new RedisKey(sso.RedisKeyPrefix + "dataprotection-keys");
        services.AddHttpContextAccessor();
        services.AddSingleton(sp => new RedisKeyRing(
            sp.GetRequiredService<IConnectionMultiplexer>(), keyRing, sp.GetRequiredService<IHttpContextAccessor>(), sso.StoreTimeout));
        services.AddOptions<KeyManagementOptions>().Configure<RedisKeyRing>((keys, ring) => keys.XmlRepository = ring);
        services.AddHostedService<KeyRingKeeper>();
        return services;
    }
}
