using Gateway.AuthenticatedSessions;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// The invariants of <see cref="AuthenticatedSession"/>, checked on the cache that holds them: an entry answers only
/// while the store vouches for the very record it was built from, the directory is the same version and no sliding
/// refresh is due; only issued-form values are keys; memory stays within its bounds.
/// </summary>
public sealed class AuthenticatedSessionCacheTests : IDisposable
{
    private readonly SessionsForTests _sessions = new();

    private AuthenticatedSessionCache Cache => _sessions.Cache;

    [Fact]
    public async Task AuthenticatedCookie_AnswersWithTheSameSession_UntilItsRecordChanges()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        var added = _sessions.Authenticate(cookie, key, record);

        Assert.True(Cache.TryGet(cookie, out var first));
        Assert.True(Cache.TryGet(cookie, out var again));
        Assert.Same(added, first);
        Assert.Same(first, again);
        Assert.Same(record, first.Record);

        // Another request wrote the session (here: a slid expiry): the old entry must not answer any more.
        await _sessions.Store.TouchAsync(key, record with { LastSeenAt = _sessions.Time.GetUtcNow() }, default);

        Assert.False(Cache.TryGet(cookie, out _));
    }

    [Fact]
    public async Task EndedSession_NeverAnswers()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        _sessions.Authenticate(cookie, key, record);

        await _sessions.Store.DeleteAsync(key, default);

        Assert.False(Cache.TryGet(cookie, out _));
    }

    [Fact]
    public async Task ExpiredSession_NeverAnswers()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        _sessions.Authenticate(cookie, key, record);

        _sessions.Time.SetUtcNow(record.EndsAt);

        Assert.False(Cache.TryGet(cookie, out _));
    }

    [Fact]
    public async Task DueSlidingRefresh_IsLeftToTheFramework()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        _sessions.Authenticate(cookie, key, record);

        _sessions.Time.Advance(_sessions.Sliding.RefreshInterval - TimeSpan.FromMilliseconds(1));
        Assert.True(Cache.TryGet(cookie, out _));
        _sessions.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(Cache.TryGet(cookie, out _));
    }

    [Fact]
    public async Task SessionCheckedAgainstAnotherDirectoryVersion_NeverAnswers()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();

        Cache.Add(cookie, key, record, directoryVersion: new object(), SessionsForTests.PrincipalOf(record, key));

        Assert.False(Cache.TryGet(cookie, out _));
    }

    [Fact]
    public async Task SessionsOfTwoCookies_NeverAnswerForEachOther()
    {
        var alice = await _sessions.SignInAsync("alice");
        var bob = await _sessions.SignInAsync("bob");
        _sessions.Authenticate(alice.Cookie, alice.Key, alice.Record);
        _sessions.Authenticate(bob.Cookie, bob.Key, bob.Record);

        Assert.True(Cache.TryGet(alice.Cookie, out var a));
        Assert.True(Cache.TryGet(bob.Cookie, out var b));
        Assert.Equal(("alice", "bob"), (a.CreatePrincipal().Identity!.Name, b.CreatePrincipal().Identity!.Name));
        Assert.Equal(("alice", "bob"), (a.Headers.User, b.Headers.User));
    }

    [Fact]
    public async Task HeadersAreEncodedOnce_FromThePrincipal()
    {
        var (cookie, key, record) = await _sessions.SignInAsync("张三", "staff", "研发");
        var session = _sessions.Authenticate(cookie, key, record);

        Assert.Equal("%E5%BC%A0%E4%B8%89", session.Headers.User);
        Assert.Equal("staff,%E7%A0%94%E5%8F%91", session.Headers.Groups);
        Assert.True(Cache.TryGet(cookie, out var again));
        Assert.Same(session.Headers, again.Headers);
    }

    // Each turns a valid value into one Data Protection's decoder would still accept, or a form the gateway never issues.
    public static TheoryData<string, Func<string, string>> Variants => Gateway.Tests.Cookies.IssuedFormTicketFormatTests.Variants;

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task ValueNotInTheIssuedForm_IsNeverAKey(string variant, Func<string, string> change)
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        _sessions.Authenticate(cookie, key, record);
        var changed = change(cookie);
        Assert.NotEqual(cookie, changed);

        Assert.Null(Cache.Add(changed, key, record, _sessions.Directory.Version, SessionsForTests.PrincipalOf(record, key)));
        Assert.False(Cache.TryGet(changed, out _));
        Assert.Equal(1, Cache.Count);
        Assert.True(variant.Length > 0);
    }

    /// <summary>
    /// The framework builds a new principal on every authentication; from the same record and directory version it is
    /// the same user, so the entry (and the policies passed) stays: requests alternating between two routes with two
    /// policies must not rebuild it on every request.
    /// </summary>
    [Fact]
    public async Task AuthenticatingTheSameRecordAgain_KeepsTheEntry_AndItsPolicies()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        var first = Cache.Add(cookie, key, record, _sessions.Directory.Version, SessionsForTests.PrincipalOf(record, key))!;
        first.RecordPassed("admins");

        var again = Cache.Add(cookie, key, record, _sessions.Directory.Version, SessionsForTests.PrincipalOf(record, key))!;

        Assert.Same(first, again);
        Assert.True(again.HasPassed("admins"));
        Assert.Equal(1, Cache.Count);

        // A new record (here: a slid expiry) is a new authentication: nothing carries over.
        await _sessions.Store.TouchAsync(key, record with { LastSeenAt = _sessions.Time.GetUtcNow() }, default);
        Assert.True(_sessions.Store.TryGetVouched(key, out var slid));
        var rebuilt = Cache.Add(cookie, key, slid, _sessions.Directory.Version, SessionsForTests.PrincipalOf(slid, key))!;
        Assert.NotSame(first, rebuilt);
        Assert.False(rebuilt.HasPassed("admins"));
        Assert.Equal(1, Cache.Count);
    }

    [Fact]
    public async Task ManySessions_StayWithinTheCountBound_AndTheNewestAnswers()
    {
        using var sessions = new SessionsForTests(capacity: 50);
        var signedIn = new List<(string Cookie, SessionKey Key, SessionRecord Record)>();
        for (var i = 0; i < 500; i++)
        {
            var session = await sessions.SignInAsync($"user{i}");
            sessions.Authenticate(session.Cookie, session.Key, session.Record);
            signedIn.Add(session);
            Assert.InRange(sessions.Cache.Count, 1, 50);
        }

        var last = signedIn[^1];
        Assert.True(sessions.Cache.TryGet(last.Cookie, out var answered));
        Assert.Equal("user499", answered.CreatePrincipal().Identity!.Name);
        // Whatever was evicted is simply asked of the framework again: nothing answers for another cookie.
        foreach (var (cookie, _, record) in signedIn)
        {
            if (sessions.Cache.TryGet(cookie, out var found))
            {
                Assert.Equal(record.User, found.CreatePrincipal().Identity!.Name);
            }
        }
    }

    [Fact]
    public async Task ManySessions_StayWithinTheByteBound()
    {
        var bound = 20L * (AuthenticatedSessionCache.EntryOverheadBytes + 1024);
        using var sessions = new SessionsForTests(capacity: 100_000, maxBytes: bound);
        for (var i = 0; i < 300; i++)
        {
            var (cookie, key, record) = await sessions.SignInAsync($"user{i}");
            sessions.Authenticate(cookie, key, record);
            Assert.InRange(sessions.Cache.ApproximateBytes, 1, bound);
        }
        Assert.InRange(sessions.Cache.Count, 5, bound / AuthenticatedSessionCache.EntryOverheadBytes);
    }

    [Fact]
    public async Task EntriesThatCanNoLongerAnswer_AreSwept_SoTheCacheShrinksBack()
    {
        var live = await _sessions.SignInAsync("alice");
        _sessions.Authenticate(live.Cookie, live.Key, live.Record);
        for (var i = 0; i < 20; i++)
        {
            var (cookie, key, record) = await _sessions.SignInAsync($"gone{i}");
            _sessions.Authenticate(cookie, key, record);
            await _sessions.Store.DeleteAsync(key, default);
        }
        Assert.Equal(21, Cache.Count);
        var bytes = Cache.ApproximateBytes;

        Cache.RemoveSpent();

        Assert.Equal(1, Cache.Count);
        Assert.Equal(bytes / 21, Cache.ApproximateBytes);
        Assert.True(Cache.TryGet(live.Cookie, out _));
    }

    [Fact]
    public async Task WithAClaimsTransformation_NothingIsKept()
    {
        using var sessions = new SessionsForTests(enabled: false);
        var (cookie, key, record) = await sessions.SignInAsync();

        Assert.Null(sessions.Cache.Add(cookie, key, record, sessions.Directory.Version, SessionsForTests.PrincipalOf(record, key)));
        Assert.False(sessions.Cache.TryGet(cookie, out _));
        Assert.Equal(0, sessions.Cache.Count);
    }

    [Fact]
    public async Task ConcurrentRequestsOfOneSession_ShareOneEntry()
    {
        var (cookie, key, record) = await _sessions.SignInAsync();
        var principal = SessionsForTests.PrincipalOf(record, key);

        var answered = new AuthenticatedSession[64];
        await Parallel.ForAsync(0, 64, (i, _) =>
        {
            answered[i] = Cache.TryGet(cookie, out var hit) ? hit : Cache.Add(cookie, key, record, _sessions.Directory.Version, principal)!;
            answered[i].RecordPassed(i % 2 == 0 ? "admins" : "default");
            return ValueTask.CompletedTask;
        });

        Assert.Equal(1, Cache.Count);
        Assert.True(Cache.TryGet(cookie, out var held));
        Assert.All(answered, a => Assert.Same(held, a));
        Assert.True(held.HasPassed("ADMINS") && held.HasPassed("default"));
        Assert.Equal(2, held.PassedPolicies.Count);
    }

    [Fact]
    public void PassedPolicies_AreBounded()
    {
        var session = AuthenticatedSession.TryCreate(
            SessionKey.FromSessionId(SessionId.New()), new SessionRecord
            {
                User = "alice", CreatedAt = default, LastSeenAt = default, AbsoluteExpiresAt = default, ExpiresAt = default,
            }, new object(), Gateway.Identity.UserPrincipal.Create("alice", "", "", Array.Empty<string>(), null))!;

        Parallel.For(0, 100, i => session.RecordPassed($"policy{i}"));

        Assert.Equal(16, session.PassedPolicies.Count);
        Assert.Equal(16, session.PassedPolicies.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    /// <summary>A revocation that races a store read: the record read before it never answers afterwards.</summary>
    [Fact]
    public async Task RevocationRacingAStoreRead_WinsOverTheRecordThatReadReturned()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        var shared = new InMemorySessionStore(time);
        var slow = new SlowReads(shared);
        var cache = new SessionCache(time, 1000, TimeSpan.FromSeconds(30));
        var store = new CachingSessionStore(slow, cache, new NoOtherInstances());
        using var sessions = new SessionsForTests(store);
        var (cookie, key, _) = await sessions.SignInAsync();
        cache.Forget(key);

        var read = store.GetAsync(key, default);
        await slow.Started.Task;
        await store.DeleteAsync(key, default);
        slow.Release.SetResult();
        var staleRecord = (await read)!;

        // The framework path would now build an entry from what the read returned: it must never answer.
        sessions.Cache.Add(cookie, key, staleRecord, sessions.Directory.Version, SessionsForTests.PrincipalOf(staleRecord, key));
        Assert.False(sessions.Cache.TryGet(cookie, out _));
    }

    public void Dispose() => _sessions.Dispose();
}
