using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Gateway.Sessions;

internal static class SessionsServiceCollectionExtensions
{
    /// <summary>
    /// The session store, decided once: Redis when <c>Sso:Redis</c> is set (one multiplexer, which the key ring and
    /// the other shared state use too: <see cref="SessionStorage"/>), behind this instance's cache and its pub/sub
    /// invalidation unless <c>Sso:SessionCacheDuration</c> is <c>00:00:00</c>; otherwise the in-memory store.
    /// </summary>
    public static IServiceCollection AddSessions(this IServiceCollection services, SsoOptions sso)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SlidingExpiry(sp.GetRequiredService<TimeProvider>(), sso.IdleTimeout));
        // What a record the session cache holds anew shares its strings with: this pool, and whatever else holds them
        // (Identity adds the users file's accounts).
        services.AddSingleton<ISessionStringSource>(SharedStrings.Default);

        if (string.IsNullOrWhiteSpace(sso.Redis))
        {
            services.AddSingleton(new SessionStorage(redis: null));
            services.AddSingleton<ISessionStore, InMemorySessionStore>();
            return services;
        }

        var redisOptions = RedisConfiguration(sso);
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisOptions));
        services.AddSingleton(sp => new SessionStorage(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton(sp => new RedisStoreCircuit(
            sp.GetRequiredService<IConnectionMultiplexer>(), sso.StoreTimeout, sp.GetRequiredService<ILogger<RedisStoreCircuit>>()));
        services.AddSingleton<RedisSessionStore>();
        if (sso.EffectiveSessionCacheDuration > TimeSpan.Zero)
        {
            // Trusted only while this instance hears its invalidation channel (RedisSessionInvalidation's heartbeat).
            services.AddSingleton(sp => new SessionCache(
                sp.GetRequiredService<TimeProvider>(), sso.SessionCacheSize, sso.EffectiveSessionCacheDuration, SessionCache.ListeningWindow,
                sp.GetServices<ISessionStringSource>()));
            services.AddSingleton<RedisSessionInvalidation>();
            services.AddHostedService(sp => sp.GetRequiredService<RedisSessionInvalidation>());
            services.AddSingleton<ISessionStore>(sp => new CachingSessionStore(
                sp.GetRequiredService<RedisSessionStore>(),
                sp.GetRequiredService<SessionCache>(),
                sp.GetRequiredService<RedisSessionInvalidation>()));
        }
        else
        {
            services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<RedisSessionStore>());
        }
        return services;
    }

    private static ConfigurationOptions RedisConfiguration(SsoOptions sso)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(sso.Redis!);
        }
        catch (ArgumentException ex)
        {
            throw new GatewayConfigurationException($"Sso:Redis: not a StackExchange.Redis configuration string: {ex.Message}");
        }
        // Start even when Redis is down (readiness reports it) and never wait longer than the store timeout.
        options.AbortOnConnectFail = false;
        var timeout = (int)sso.StoreTimeout.TotalMilliseconds;
        options.AsyncTimeout = timeout;
        options.SyncTimeout = timeout;
        options.ConnectTimeout = Math.Max(timeout, 1000);
        options.ClientName ??= KeyRing.KeyRingExtensions.ApplicationName;
        return options;
    }
}
