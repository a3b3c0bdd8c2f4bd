using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// Authenticated sessions: the signed-in request's one hot path (<see cref="AuthenticatedSessionMiddleware"/>) in
/// front of the framework's authentication and authorization, and the per-instance cache it answers from.
/// </summary>
internal static class AuthenticatedSessionsExtensions
{
    // The keys WebApplication looks for before adding the two middleware itself; they run inside ours instead.
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    public static IServiceCollection AddAuthenticatedSessions(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var sso = sp.GetRequiredService<IOptions<SsoOptions>>().Value;
            // A claims transformation may make each authentication's principal differ (from state the cache cannot
            // see), so with one registered every request takes the framework's path.
            var noTransformation = sp.GetService<IClaimsTransformation>() is null or NoopClaimsTransformation;
            return new AuthenticatedSessionCache(
                sp.GetRequiredService<ISessionStore>(),
                sp.GetRequiredService<UserDirectory>(),
                sp.GetRequiredService<SlidingExpiry>(),
                sp.GetRequiredService<TimeProvider>(),
                sso.SessionCacheSize,
                enabled: noTransformation,
                renewFor: sp.GetService<SessionCache>() is { Enabled: true } ? 2 * sso.EffectiveSessionCacheDuration : TimeSpan.Zero);
        });
        services.AddHostedService<AuthenticatedSessionSweeper>();
        return services;
    }

    /// <summary>
    /// Takes the place of <c>UseAuthentication()</c> and <c>UseAuthorization()</c> (after routing): the framework's
    /// two middleware run inside, for every request the cache does not answer.
    /// </summary>
    public static IApplicationBuilder UseAuthenticatedSessions(this IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var sso = services.GetRequiredService<IOptions<SsoOptions>>().Value;
        var framework = app.New();
        framework.UseAuthentication();
        framework.UseAuthorization();
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        app.Properties[AuthorizationMiddlewareSetKey] = true;
        return app.UseMiddleware<AuthenticatedSessionMiddleware>(
            (Func<RequestDelegate, RequestDelegate>)(admitted =>
            {
                framework.Run(admitted);
                return framework.Build();
            }),
            sso.CookieName,
            sso.PathPrefix);
    }

    /// <summary>Lets requests to these endpoints be answered from the authenticated-session cache.</summary>
    public static TBuilder AnswerFromAuthenticatedSessions<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        // One marker per endpoint: it remembers that endpoint's authorization metadata.
        builder.Add(endpoint => endpoint.Metadata.Add(new AuthenticatedSessionEndpoint()));
        return builder;
    }
}

/// <summary>
/// Every few seconds, drops the cached sessions that can no longer answer, and hands the memory back once many have
/// gone (<see cref="IdleMemoryRelease"/>), so the process shrinks back when sessions go idle.
/// </summary>
internal sealed class AuthenticatedSessionSweeper(AuthenticatedSessionCache cache, IServiceProvider services, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly IdleMemoryRelease _release = IdleMemoryRelease.ForProcess();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The session cache's stale entries first: the authenticated sessions built on them then cannot answer either.
        var sessions = services.GetService<SessionCache>();
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            sessions?.RemoveStale();
            cache.RemoveSpent();
            _release.Observe(cache.Count + (sessions?.Count ?? 0));
        }
    }
}
