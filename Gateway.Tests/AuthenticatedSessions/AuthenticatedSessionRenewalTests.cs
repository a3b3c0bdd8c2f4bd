using Gateway.AuthenticatedSessions;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// Renewal (<see cref="AuthenticatedSessionCache.RenewAsync"/>): a held session whose trust window ended, or whose slide
/// is due, answers again after one store read only when the store vouches for what that read returned and it says the
/// same of who the user is, against the same directory version; anything else is left to the framework's path.
/// </summary>
public sealed class AuthenticatedSessionRenewalTests
{
    private static readonly TimeSpan Trust = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TrustWindowEnded_RenewsWithOneRead_KeepingPrincipalHeadersAndPolicies()
    {
        FreshReads? reads = null;
        using var sessions = SessionsForTests.Cached(Trust, inner => reads = new FreshReads(inner));
        var (cookie, key, record, held, digest) = await HeldPastItsTrustWindowAsync(sessions, "alice", "staff");
        held.RecordPassed("default");
        Assert.False(sessions.Cache.TryGet(cookie, out _));

        Assert.True(sessions.Cache.TryGetRenewable(digest, out var renewable));
        Assert.Same(held, renewable);
        var readsBefore = reads!.Count;
        var renewed = await sessions.Cache.RenewAsync(digest, held, default);

        Assert.NotNull(renewed);
        Assert.Equal(1, reads.Count - readsBefore);
        Assert.True(sessions.Store.TryGetVouched(key, out var vouched));
        Assert.Same(vouched, renewed.Record);
        // The store said the same as before (a fresh copy of it): the instance held is vouched for again, and the same
        // session answers, renewable for another window, so nothing long-lived is rebuilt.
        Assert.Same(record, renewed.Record);
        Assert.Same(held, renewed);
        Assert.Equal(sessions.Time.GetUtcNow() + 2 * Trust, renewed.RenewableUntil);
        Assert.Same(held.Headers, renewed.Headers);
        Assert.True(renewed.HasPassed("default"));
        Assert.Equal(("alice", "staff"), (renewed.CreatePrincipal().Identity!.Name, renewed.Headers.Groups));
        Assert.True(sessions.Cache.TryGet(cookie, out var answering));
        Assert.Same(renewed, answering);
        Assert.Equal(1, sessions.Cache.Count);
        Assert.Equal(1, sessions.Cache.Renewals);
    }

    /// <summary>A signed-in session this instance authenticated, its trust window just ended: where every renewal starts.</summary>
    private static async Task<(string Cookie, SessionKey Key, SessionRecord Record, AuthenticatedSession Held, UInt128 Digest)> HeldPastItsTrustWindowAsync(
        SessionsForTests sessions, string user = "alice", params string[] groups)
    {
        var (cookie, key, record) = await sessions.SignInAsync(user, groups);
        var held = sessions.Authenticate(cookie, key, record);
        sessions.Time.Advance(Trust + TimeSpan.FromMilliseconds(1));
        Assert.True(sessions.Cache.TryDigest(cookie, out var digest));
        return (cookie, key, record, held, digest);
    }

    [Fact]
    public async Task SlideDue_RenewalWritesTheSlide_AndAnswersWithTheRecordAsStored()
    {
        // Trusted for 40 s and renewable for 40 more: the slide is due at a minute (a tenth of the hour's idle time).
        using var sessions = SessionsForTests.Cached(TimeSpan.FromSeconds(40), inner => new FreshReads(inner));
        var (cookie, key, record) = await sessions.SignInAsync();
        sessions.Authenticate(cookie, key, record);
        sessions.Time.Advance(sessions.Sliding.RefreshInterval);
        Assert.True(sessions.Cache.TryDigest(cookie, out var digest));
        Assert.True(sessions.Cache.TryGetRenewable(digest, out var held));

        var renewed = await sessions.Cache.RenewAsync(digest, held, default);

        Assert.NotNull(renewed);
        var now = sessions.Time.GetUtcNow();
        Assert.Equal(now, renewed.Record.LastSeenAt);
        // The held session moved on to the slid record in place: a slide makes no new long-lived session.
        Assert.Same(held, renewed);
        Assert.NotSame(record, renewed.Record);
        Assert.True(sessions.Shared!.TryGetVouched(key, out var stored));
        Assert.Equal(now, stored.LastSeenAt);
        Assert.True(sessions.Cache.TryGet(cookie, out var answering));
        Assert.Same(renewed, answering);
    }

    /// <summary>What another instance, an operator or the store may have done to the session while this instance trusted it.</summary>
    public static TheoryData<string> Changes => new(ChangeOf.Keys);

    private static readonly Dictionary<string, Func<SessionsForTests, SessionKey, SessionRecord, Task>> ChangeOf = new()
    {
        ["nothing but its times"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { LastSeenAt = s.Time.GetUtcNow() }, default),
        ["ended behind this instance's back"] = (s, key, _) => s.Shared!.DeleteAsync(key, default),
        ["groups"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { Groups = ["staff", "admin"] }, default),
        ["groups' order"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { Groups = ["b", "a"] }, default),
        ["email"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { Email = "mallory@example.com" }, default),
        ["name"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { Name = "Mallory" }, default),
        ["user"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { User = "mallory" }, default),
        ["account stamp"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { AccountStamp = "new-password" }, default),
        ["provider"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { Provider = "corp" }, default),
        ["provider session"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { ProviderSessionId = "other-sid" }, default),
        ["provider subject"] = (s, key, r) => s.Shared!.TouchAsync(key, r with { ProviderSubject = "other-sub" }, default),
        ["expired"] = (s, _, r) => { s.Time.SetUtcNow(r.EndsAt); return Task.CompletedTask; },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task Renewal_AnswersOnlyWhenNothingButTimesChanged(string change)
    {
        using var sessions = SessionsForTests.Cached(Trust, inner => new FreshReads(inner));
        var (cookie, key, record, held, digest) = await HeldPastItsTrustWindowAsync(sessions, "alice", "a", "b");
        await ChangeOf[change](sessions, key, record);

        var renewed = await sessions.Cache.RenewAsync(digest, held, default);

        var answers = change == "nothing but its times";
        Assert.Equal(answers, renewed is not null);
        Assert.Equal(answers, sessions.Cache.TryGet(cookie, out _));
    }

    [Fact]
    public async Task CheckedAgainstAnotherDirectoryVersion_OrAnLdapOrSqlAccount_IsNotRenewable()
    {
        using var sessions = SessionsForTests.Cached(Trust, inner => new FreshReads(inner));
        var alice = await sessions.SignInAsync("alice");
        var bob = await sessions.SignInAsync("bob");
        sessions.Cache.Add(alice.Cookie, alice.Key, alice.Record, directoryVersion: new object(), SessionsForTests.PrincipalOf(alice.Record, alice.Key));
        var ldap = bob.Record with { Directory = "ldap" };
        sessions.Cache.Add(bob.Cookie, bob.Key, ldap, sessions.Directory.Version, SessionsForTests.PrincipalOf(ldap, bob.Key));
        sessions.Time.Advance(Trust + TimeSpan.FromMilliseconds(1));

        Assert.True(sessions.Cache.TryDigest(alice.Cookie, out var aliceDigest));
        Assert.True(sessions.Cache.TryDigest(bob.Cookie, out var bobDigest));
        Assert.False(sessions.Cache.TryGetRenewable(aliceDigest, out _));
        Assert.False(sessions.Cache.TryGetRenewable(bobDigest, out _));
    }

    /// <summary>Without a cache that trusts what the store read (in memory, or Redis with the cache off), a read could never make a session answer.</summary>
    [Fact]
    public async Task StoreThatVouchesForNoRead_RenewsNothing()
    {
        using var sessions = new SessionsForTests();
        var (cookie, key, record) = await sessions.SignInAsync();
        sessions.Authenticate(cookie, key, record);
        Assert.True(sessions.Cache.TryDigest(cookie, out var digest));

        Assert.False(sessions.Cache.TryGetRenewable(digest, out _));
    }

    /// <summary>A revocation that lands while the renewal's read is under way wins: the record that read returned never answers.</summary>
    [Fact]
    public async Task RevocationRacingTheRenewalsRead_WinsOverIt()
    {
        SlowReads? slow = null;
        using var sessions = SessionsForTests.Cached(Trust, inner => slow = new SlowReads(inner));
        var (cookie, key, record, held, digest) = await HeldPastItsTrustWindowAsync(sessions);

        var renewal = sessions.Cache.RenewAsync(digest, held, default);
        await slow!.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await sessions.Store.DeleteAsync(key, default);
        slow.Release.SetResult();

        Assert.Null(await renewal);
        Assert.False(sessions.Cache.TryGet(cookie, out _));
    }

    /// <summary>
    /// While a renewal's read is under way, the framework's path builds the entry again from the record that read
    /// returns, but against a reloaded directory (the user may have lost a group meanwhile): the renewal must not hand
    /// that entry out on the strength of the policies the old one had passed.
    /// </summary>
    [Fact]
    public async Task EntryTheFrameworkRebuiltAgainstAnotherDirectoryVersion_IsNotHandedOutByARenewal()
    {
        SlowReads? slow = null;
        using var sessions = SessionsForTests.Cached(Trust, inner => slow = new SlowReads(inner));
        var (cookie, key, record, held, digest) = await HeldPastItsTrustWindowAsync(sessions, "alice", "admin");
        held.RecordPassed("admins");
        // Another instance slid the session meanwhile (a slide is not announced): the read brings a record of its own.
        await sessions.Shared!.TouchAsync(key, record with { LastSeenAt = record.LastSeenAt + TimeSpan.FromSeconds(1) }, default);

        var renewal = sessions.Cache.RenewAsync(digest, held, default);
        await slow!.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rebuilt = sessions.Cache.Add(cookie, key, slow.Reading!, directoryVersion: new object(), SessionsForTests.PrincipalOf(slow.Reading!, key));
        Assert.NotNull(rebuilt);
        Assert.False(rebuilt.HasPassed("admins"));
        slow.Release.SetResult();

        Assert.Null(await renewal);
    }

    [Fact]
    public async Task StoreNotAnswering_IsLeftToTheFramework()
    {
        Unanswering? store = null;
        using var sessions = SessionsForTests.Cached(Trust, inner => store = new Unanswering(inner));
        var (cookie, key, record, held, digest) = await HeldPastItsTrustWindowAsync(sessions);
        store!.Down = true;

        Assert.Null(await sessions.Cache.RenewAsync(digest, held, default));
        Assert.False(sessions.Cache.TryGet(cookie, out _));
    }

    /// <summary>The requests in flight when a busy session's trust window ends share one read and end with one entry.</summary>
    [Fact]
    public async Task ConcurrentRenewalsOfOneSession_ShareOneReadAndOneEntry()
    {
        SlowReads? slow = null;
        using var sessions = SessionsForTests.Cached(Trust, inner => slow = new SlowReads(inner));
        var (cookie, key, record, held, digest) = await HeldPastItsTrustWindowAsync(sessions);

        var renewals = Enumerable.Range(0, 16).Select(_ => Task.Run(() => sessions.Cache.RenewAsync(digest, held, default))).ToArray();
        await slow!.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        slow.Release.SetResult();
        var renewed = await Task.WhenAll(renewals);

        // Each either joined the read in flight or came after it and found its record cached.
        Assert.Equal(1, slow.Count);
        Assert.All(renewed, r => Assert.NotNull(r));
        Assert.Single(renewed.Distinct());
        Assert.Equal(1, sessions.Cache.Count);
        Assert.True(sessions.Cache.TryGet(cookie, out var answering));
        Assert.Same(renewed[0], answering);
    }

    /// <summary>
    /// The sweeper keeps a session that can no longer answer for one more trust window, to be renewed in, then drops it:
    /// an idle session leaves memory at most two trust windows after its last read.
    /// </summary>
    [Fact]
    public async Task IdleSession_StaysRenewableForOneMoreTrustWindow_ThenIsSwept()
    {
        using var sessions = SessionsForTests.Cached(Trust, inner => new FreshReads(inner));
        var (cookie, key, record) = await sessions.SignInAsync();
        sessions.Authenticate(cookie, key, record);
        Assert.True(sessions.Cache.TryDigest(cookie, out var digest));

        sessions.Time.Advance(Trust + TimeSpan.FromSeconds(1));
        sessions.Cache.RemoveSpent();
        Assert.Equal(1, sessions.Cache.Count);
        Assert.True(sessions.Cache.TryGetRenewable(digest, out _));

        sessions.Time.Advance(Trust);
        Assert.False(sessions.Cache.TryGetRenewable(digest, out _));
        sessions.Cache.RemoveSpent();
        Assert.Equal(0, sessions.Cache.Count);
        Assert.Equal(0, sessions.Cache.ApproximateBytes);
    }

    private sealed class Unanswering(ISessionStore inner) : FreshReads(inner)
    {
        public bool Down { get; set; }

        public override Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken) =>
            Down ? throw new SessionStoreUnavailableException("down for the test") : base.GetAsync(key, cancellationToken);
    }
}
