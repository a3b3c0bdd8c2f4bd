using Gateway.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Sessions;

public sealed class SlidingRefreshGateTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _time = new();

    private static SessionKey NewKey() => SessionKey.FromSessionId(SessionId.New());

    [Fact]
    public void DueRefresh_IsClaimedOnce_ThenNotAgainWithinTheInterval_ThenAgain()
    {
        var gate = new SlidingRefreshGate(_time, Interval);
        var key = NewKey();

        Assert.True(gate.TryClaim(key));
        Assert.False(gate.TryClaim(key));
        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.False(gate.TryClaim(key));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(gate.TryClaim(key));
    }

    [Fact]
    public void ReleasedClaim_AfterAFailedWrite_LetsTheNextRequestTry()
    {
        var gate = new SlidingRefreshGate(_time, Interval);
        var key = NewKey();
        Assert.True(gate.TryClaim(key));

        gate.Release(key);

        Assert.True(gate.TryClaim(key));
    }

    [Fact]
    public void ParallelClaims_OfOneSession_OnlyOneWins()
    {
        var gate = new SlidingRefreshGate(_time, Interval);
        var key = NewKey();

        var winners = Enumerable.Range(0, 64).AsParallel().Count(_ => gate.TryClaim(key));

        Assert.Equal(1, winners);
    }

    [Fact]
    public void OldClaims_AreSwept_SoTheGateStaysSmall()
    {
        var gate = new SlidingRefreshGate(_time, Interval);
        for (var i = 0; i < 5000; i++)
        {
            if (i > 0 && i % 500 == 0)
            {
                _time.Advance(Interval);
            }
            gate.TryClaim(NewKey());
        }

        Assert.InRange(gate.Count, 1, 2100);
    }
}
