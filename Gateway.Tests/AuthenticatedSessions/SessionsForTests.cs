using System.Security.Claims;
using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// The parts an authenticated-session cache stands on, real but in memory: the in-memory store, an empty user
/// directory, the sliding-expiry rule, a fake clock; and cookie values issued by a real Data Protection protector.
/// </summary>
internal sealed class SessionsForTests : IDisposable
{
    public static readonly TimeSpan Idle = TimeSpan.FromHours(1);

    private readonly IDataProtector _protector = new EphemeralDataProtectionProvider().CreateProtector("tests");

    public SessionsForTests(
        ISessionStore? store = null, int capacity = 1000, bool enabled = true, long? maxBytes = null, FakeTimeProvider? time = null, TimeSpan renewFor = default)
    {
        Time = time ?? new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        Store = store ?? new InMemorySessionStore(Time);
        Directory = new UserDirectory(
            Options.Create(new SsoOptions { UsersFile = "" }), new HostingEnvironment { ContentRootPath = Path.GetTempPath() },
            Time, NullLogger<UserDirectory>.Instance);
        Sliding = new SlidingExpiry(Time, Idle);
        Cache = new AuthenticatedSessionCache(Store, Directory, Sliding, Time, capacity, enabled, maxBytes, renewFor);
    }

    /// <summary>
    /// As production runs on Redis: the store (the in-memory one, reached through <paramref name="inner"/> when given)
    /// behind this instance's <see cref="SessionCache"/>, trusted for <paramref name="trustFor"/>, so that held
    /// sessions can be renewed.
    /// </summary>
    public static SessionsForTests Cached(TimeSpan trustFor, Func<ISessionStore, ISessionStore>? inner = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        var shared = new InMemorySessionStore(time);
        var sessionCache = new SessionCache(time, 1000, trustFor);
        var store = new CachingSessionStore(inner?.Invoke(shared) ?? shared, sessionCache, new NoOtherInstances());
        return new SessionsForTests(store, time: time, renewFor: 2 * trustFor) { SessionCache = sessionCache, Shared = shared };
    }

    // Whole milliseconds: the stores keep times to the millisecond.
    public FakeTimeProvider Time { get; }

    /// <summary>With <see cref="Cached"/>: this instance's session cache, and the store behind it (what other instances share).</summary>
    public SessionCache? SessionCache { get; private init; }

    public InMemorySessionStore? Shared { get; private init; }

    public ISessionStore Store { get; }

    public UserDirectory Directory { get; }

    public SlidingExpiry Sliding { get; }

    public AuthenticatedSessionCache Cache { get; }

    /// <summary>A new live session in the store, and a cookie value of the issued form for it.</summary>
    public async Task<(string Cookie, SessionKey Key, SessionRecord Record)> SignInAsync(string user = "alice", params string[] groups)
    {
        var id = SessionId.New();
        var key = SessionKey.FromSessionId(id);
        var now = Time.GetUtcNow();
        var record = new SessionRecord
        {
            User = user,
            Email = user + "@example.com",
            Name = user,
            Groups = groups,
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = now + TimeSpan.FromHours(12),
            ExpiresAt = now + Idle,
        };
        await Store.CreateAsync(key, record, default);
        var vouched = Store.TryGetVouched(key, out var local) ? local : (await Store.GetAsync(key, default))!;
        var cookie = System.Buffers.Text.Base64Url.EncodeToString(_protector.Protect(System.Text.Encoding.UTF8.GetBytes(id)));
        return (cookie, key, vouched);
    }

    public static ClaimsPrincipal PrincipalOf(SessionRecord record, SessionKey key) =>
        UserPrincipal.Create(record.User, record.Email, record.Name, record.Groups, key.Handle);

    /// <summary>What the middleware does once the framework admitted a request: the cache's entry for it.</summary>
    public AuthenticatedSession Authenticate(string cookie, SessionKey key, SessionRecord record) =>
        Cache.Add(cookie, key, record, Directory.Version, PrincipalOf(record, key))!;

    public void Dispose() => Directory.Dispose();
}
