using Gateway.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Sessions;

public sealed class SessionCacheTests
{
    private static readonly TimeSpan Trust = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    private SessionRecord Record(string user = "alice", TimeSpan? lifetime = null)
    {
        var now = _time.GetUtcNow();
        return new SessionRecord
        {
            User = user,
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = now + TimeSpan.FromHours(12),
            ExpiresAt = now + (lifetime ?? TimeSpan.FromHours(1)),
        };
    }

    private static SessionKey NewKey() => SessionKey.FromSessionId(SessionId.New());

    [Fact]
    public void Entry_IsServedWithinTrustWindow_AndNotAfter()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        cache.Set(key, Record());

        _time.Advance(Trust - TimeSpan.FromMilliseconds(1));
        Assert.True(cache.TryGet(key, out var record));
        Assert.Equal("alice", record.User);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet(key, out _));

        // Kept, untrusted, for one more window (to recognise the record if the store says the same again); then swept.
        Assert.Equal(1, cache.Count);
        cache.RemoveStale();
        Assert.Equal(1, cache.Count);
        _time.Advance(Trust);
        cache.RemoveStale();
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void RecordReadAgainAfterTheTrustWindow_SayingTheSame_IsVouchedForAsTheInstanceHeld()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        var held = Record() with { Groups = ["staff", "admin"], UserAgent = "browser" };
        cache.Set(key, held);
        _time.Advance(Trust);
        Assert.False(cache.TryGet(key, out _));

        // What a store read returns: a copy of its own, every value the same (arrays included, as new arrays).
        var vouched = cache.SetIfNotRevokedSince(key, held with { Groups = ["staff", "admin"] }, cache.Revocations);

        Assert.Same(held, vouched);
        Assert.True(cache.TryGet(key, out var served));
        Assert.Same(held, served);
    }

    /// <summary>
    /// A session renewed every trust window makes nothing new that lives on: its entry is vouched for again in place
    /// (100 000 sessions in use would otherwise leave 100 000 dead entries in the old generation each window).
    /// </summary>
    [Fact]
    public void RecordVouchedForAgain_AllocatesNoNewEntry_AndIsTrustedForANewWindow()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        var held = Record();
        cache.Set(key, held);
        _time.Advance(Trust);
        cache.SetIfNotRevokedSince(key, held, cache.Revocations);
        _time.Advance(Trust);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var vouched = cache.SetIfNotRevokedSince(key, held, cache.Revocations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(held, vouched);
        Assert.Equal(0, allocated);
        _time.Advance(Trust - TimeSpan.FromMilliseconds(1));
        Assert.True(cache.TryGet(key, out var served));
        Assert.Same(held, served);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet(key, out _));
    }

    [Fact]
    public void RecordReadAgain_ThatChanged_IsVouchedForAsRead()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        var held = Record() with { Groups = ["staff"] };
        cache.Set(key, held);
        _time.Advance(Trust);

        foreach (var changed in new[]
        {
            held with { LastSeenAt = held.LastSeenAt + TimeSpan.FromSeconds(1) },
            held with { Groups = ["staff", "admin"] },
            held with { Groups = ["Staff"] },
        })
        {
            var vouched = cache.SetIfNotRevokedSince(key, changed, cache.Revocations);
            Assert.Same(changed, vouched);
            held = changed;
        }
    }

    [Fact]
    public void LapsedEntry_Revoked_IsNotRecognisedAgain()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        var held = Record();
        cache.Set(key, held);
        _time.Advance(Trust);
        cache.Remove(key);
        Assert.Equal(0, cache.Count);

        var copy = held with { };
        Assert.Same(copy, cache.SetIfNotRevokedSince(key, copy, cache.Revocations));
    }

    [Fact]
    public void ExpiredSession_IsNeverServed_EvenWithinTrustWindow()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        cache.Set(key, Record(lifetime: TimeSpan.FromMilliseconds(500)));

        _time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.False(cache.TryGet(key, out _));
    }

    [Fact]
    public void RemovedEntry_IsGoneAtOnce()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        cache.Set(key, Record());

        cache.Remove(key);

        Assert.False(cache.TryGet(key, out _));
    }

    [Fact]
    public void FullCache_StaysBounded()
    {
        var cache = new SessionCache(_time, 50, Trust);
        var keys = Enumerable.Range(0, 500).Select(_ => NewKey()).ToList();
        foreach (var key in keys)
        {
            cache.Set(key, Record());
        }

        Assert.InRange(cache.Count, 1, 50);
        Assert.True(cache.TryGet(keys[^1], out _), "the newest entry is kept");
    }

    [Fact]
    public void FullCache_EvictsStaleEntriesFirst()
    {
        var cache = new SessionCache(_time, 10, Trust);
        var stale = Enumerable.Range(0, 10).Select(_ => NewKey()).ToList();
        stale.ForEach(k => cache.Set(k, Record()));
        _time.Advance(Trust);
        var fresh = Enumerable.Range(0, 5).Select(_ => NewKey()).ToList();
        fresh.ForEach(k => cache.Set(k, Record()));

        Assert.All(fresh, k => Assert.True(cache.TryGet(k, out _)));
        Assert.Equal(5, cache.Count);
    }

    [Fact]
    public void StaleEntries_AreSwept_SoTheCacheHoldsAboutTheSessionsOfOneTrustWindow()
    {
        var cache = new SessionCache(_time, 100_000, Trust);
        SessionKey last = default;
        for (var i = 0; i < 6000; i++)
        {
            if (i > 0 && i % 500 == 0)
            {
                _time.Advance(Trust);
            }
            last = NewKey();
            cache.Set(last, Record());
        }

        Assert.InRange(cache.Count, 1, 2100);
        Assert.True(cache.TryGet(last, out _));
    }

    [Fact]
    public void ZeroTrustWindow_DisablesCaching()
    {
        var cache = new SessionCache(_time, 10, TimeSpan.Zero);
        var key = NewKey();
        cache.Set(key, Record());

        Assert.False(cache.Enabled);
        Assert.False(cache.TryGet(key, out _));
    }

    [Fact]
    public async Task WithAChannelToListenTo_NothingIsTrusted_UntilItIsHeard_NorAfterItFallsSilent()
    {
        var cache = new SessionCache(_time, 100, TimeSpan.FromMinutes(1), listeningWindow: TimeSpan.FromMilliseconds(200));
        var key = NewKey();
        cache.Set(key, Record());
        Assert.False(cache.TryGet(key, out _));

        cache.MarkHeard();
        cache.Set(key, Record());
        Assert.True(cache.TryGet(key, out _));

        await TestInfrastructure.Poll.UntilAsync(() => Task.FromResult(!cache.IsListening), TimeSpan.FromSeconds(5), "the channel falls silent");
        Assert.False(cache.TryGet(key, out _));
        var revocations = cache.Revocations;

        // Heard again after the silence: what was published meanwhile may be lost, so everything held is revoked.
        cache.MarkHeard();
        Assert.False(cache.TryGet(key, out _));
        Assert.Equal(0, cache.Count);
        Assert.True(cache.Revocations > revocations);
        cache.Set(key, Record());
        Assert.True(cache.TryGet(key, out _));
    }

    [Fact]
    public void SessionThatChangedElsewhere_IsDropped_WithoutBeingReportedRevoked()
    {
        var cache = new SessionCache(_time, 100, Trust);
        var key = NewKey();
        cache.Set(key, Record());
        var revoked = new List<string>();
        cache.Revoked += revoked.Add;
        var before = cache.Revocations;

        cache.Invalidate(key.Value);

        Assert.False(cache.TryGet(key, out _));
        Assert.Empty(revoked);
        // A read that began before the change cannot put the old record back.
        Assert.True(cache.Revocations > before);
        cache.SetIfNotRevokedSince(key, Record(), before);
        Assert.False(cache.TryGet(key, out _));
    }

    [Fact]
    public async Task Count_StaysExact_UnderConcurrentSetsRemovalsAndClears()
    {
        // The cache keeps its own count (the dictionary's Count takes all its locks): every path that adds or removes
        // must keep it right, or the capacity bound and the sweeps drift.
        var cache = new SessionCache(_time, 10_000, Trust);
        var keys = Enumerable.Range(0, 64).Select(_ => NewKey()).ToArray();
        var record = Record();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 20_000; i++)
            {
                var key = keys[random.Next(keys.Length)];
                switch (random.Next(100))
                {
                    case < 50: cache.Set(key, record); break;
                    case < 65: cache.SetIfNotRevokedSince(key, record, cache.Revocations); break;
                    case < 80: cache.Forget(key); break;
                    case < 90: cache.Remove(key); break;
                    case < 99: cache.Invalidate(key.Value); break;
                    default: cache.Clear(); break;
                }
            }
        })));

        Assert.Equal(keys.Count(key => cache.TryGet(key, out _)), cache.Count);
        cache.Clear();
        Assert.Equal(0, cache.Count);
    }
}
