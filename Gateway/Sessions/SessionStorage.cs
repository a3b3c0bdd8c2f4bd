using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Where this gateway keeps what its instances share, decided once by <see cref="SessionsServiceCollectionExtensions.AddSessions"/>:
/// Redis when <c>Sso:Redis</c> is set, else this process's memory. Everything else that must be shared (sign-in attempt
/// counters, logout-token replays, assertion keys, directory re-check claims) asks this rather than guessing.
/// </summary>
internal sealed class SessionStorage(IConnectionMultiplexer? redis)
{
    /// <summary>The shared Redis, or null when everything lives in this process (one instance only).</summary>
    public IConnectionMultiplexer? Redis { get; } = redis;
}
