using Gateway.Configuration;
using Gateway.Login;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Login;

/// <summary>Lockout rules over the in-memory counters and a fake clock; end-to-end tests cover the HTTP side.</summary>
public sealed class SignInLockoutTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T12:00:00Z"));
    private readonly InMemorySignInAttemptStore _store;
    private readonly SignInLockout _lockout;

    public SignInLockoutTests()
    {
        _store = new InMemorySignInAttemptStore(_time);
        _lockout = new SignInLockout(_store, Options.Create(new SsoOptions
        {
            Lockout = new LockoutOptions { MaxFailures = 3, Window = TimeSpan.FromMinutes(10) },
        }));
    }

    [Fact]
    public async Task PastMaxFailures_IsLockedOut_UntilTheWindowEnds()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.False((await _lockout.BeginAsync("alice", "10.0.0.1", default)).IsLockedOut);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var locked = await _lockout.BeginAsync("alice", "10.0.0.2", default);
        Assert.Equal(LockoutReason.Username, locked.LockedBy);
        Assert.Equal(TimeSpan.FromMinutes(7), locked.RetryAfter);
        Assert.Equal(420, locked.RetryAfterSeconds);

        _time.Advance(TimeSpan.FromMinutes(7));
        Assert.False((await _lockout.BeginAsync("alice", "10.0.0.3", default)).IsLockedOut);
    }

    [Theory]
    [InlineData("alice", " ALICE ")]
    [InlineData("Alice", "alice\t")]
    [InlineData("张三", " 张三")]
    public void Usernames_AreCountedTrimmedAndCaseInsensitively(string a, string b) =>
        Assert.Equal(SignInLockout.UserKey(a), SignInLockout.UserKey(b));

    [Fact]
    public void UserKeys_DoNotCarryTheTypedText() =>
        Assert.DoesNotContain("alice", SignInLockout.UserKey("alice"), StringComparison.OrdinalIgnoreCase);

    [Theory]
    [InlineData("10.1.2.3", "::ffff:10.1.2.3")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:eeee:dddd:cccc")]
    public void Addresses_FromOneSubscriber_ShareACounter(string a, string b) =>
        Assert.Equal(SignInLockout.AddressKey(a), SignInLockout.AddressKey(b));

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.4")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1")]
    public void DifferentSubscribers_HaveTheirOwnCounters(string a, string b) =>
        Assert.NotEqual(SignInLockout.AddressKey(a), SignInLockout.AddressKey(b));

    [Fact]
    public async Task Success_ResetsTheUsername_ButKeepsOtherFailuresOfTheAddress()
    {
        await _lockout.BeginAsync("alice", "10.0.0.1", default);
        await _lockout.BeginAsync("mallory", "10.0.0.1", default);
        var success = await _lockout.BeginAsync("alice", "10.0.0.1", default);
        await _lockout.SucceededAsync(success, default);

        // Address: 2 failures remain (3rd attempt is allowed, the 4th is past MaxFailures = 3).
        Assert.False((await _lockout.BeginAsync("bob", "10.0.0.1", default)).IsLockedOut);
        Assert.Equal(LockoutReason.Address, (await _lockout.BeginAsync("bob", "10.0.0.1", default)).LockedBy);
        // Username: alice starts from zero elsewhere.
        Assert.False((await _lockout.BeginAsync("alice", "10.9.9.9", default)).IsLockedOut);
    }

    [Fact]
    public async Task LockedOutAddress_CannotFillTheStoreWithCountersForMadeUpNames()
    {
        for (var i = 0; i < 10_000; i++)
        {
            await _lockout.BeginAsync($"made-up-{i}", "10.0.0.1", default);
        }

        // The address, and the names of the attempts it was allowed (MaxFailures = 3).
        Assert.Equal(1 + 3, _store.Count);
        Assert.Equal(LockoutReason.Address, (await _lockout.BeginAsync("alice", "10.0.0.1", default)).LockedBy);
        Assert.False((await _lockout.BeginAsync("alice", "10.0.0.2", default)).IsLockedOut);
    }

    public void Dispose() => _store.Dispose();
}
