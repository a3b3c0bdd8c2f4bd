using Gateway.AuthenticatedSessions;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// When many cached sessions have gone idle, the gateway hands the memory back with one collection; not for small
/// drops, not while the caches are still more than half as full as at their largest, and at most once a minute.
/// </summary>
public sealed class IdleMemoryReleaseTests
{
    private long _now = 1_000_000;
    private int _releases;

    private IdleMemoryRelease NewRelease() => new(() => _releases++, () => _now);

    [Theory]
    // largest, now held, released?
    [InlineData(100_000, 0, true)]
    [InlineData(100_000, 50_000, true)]
    [InlineData(100_000, 50_001, false)]
    [InlineData(20_000, 10_000, true)]
    [InlineData(19_998, 9_999, false)]
    [InlineData(5_000, 0, false)]
    [InlineData(0, 0, false)]
    public void MemoryIsHandedBack_OnlyOnceManyEntriesHaveGone_AndAtMostHalfAreLeft(int largest, int held, bool released)
    {
        var release = NewRelease();
        Assert.False(release.Observe(largest));

        Assert.Equal(released, release.Observe(held));
        Assert.Equal(released ? 1 : 0, _releases);
    }

    [Fact]
    public void AtMostOnceAMinute_MeasuredFromTheNewLargestSize()
    {
        var release = NewRelease();
        release.Observe(100_000);
        Assert.True(release.Observe(40_000));

        // The size after a release is the new reference: a further halving within the minute waits for it.
        _now += 30_000;
        Assert.False(release.Observe(15_000));
        _now += 30_000;
        Assert.True(release.Observe(15_000));
        Assert.Equal(2, _releases);

        // Growing again and going idle again: released again once the minute has passed.
        _now += 10_000;
        release.Observe(80_000);
        Assert.False(release.Observe(0));
        _now += 60_000;
        Assert.True(release.Observe(0));
        Assert.Equal(3, _releases);
    }
}
