using Gateway.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Sessions;

/// <summary>
/// What every <see cref="ISessionStore"/> promises (SPEC §6), run once per store: in memory, and Redis on a real
/// <c>redis-server</c>. Time is a fake clock; Redis additionally lets real TTLs run out.
/// </summary>
public abstract class SessionStoreContractTests : IAsyncLifetime
{
    protected static readonly TimeSpan Idle = TimeSpan.FromHours(1);
    protected static readonly TimeSpan Absolute = TimeSpan.FromHours(12);

    /// <summary>The store's clock, starting at the real time so that Redis TTLs and records agree.</summary>
    // Whole milliseconds: the stores keep times to the millisecond.
    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    private protected ISessionStore Store { get; private set; } = null!;

    private protected abstract Task<ISessionStore> CreateStoreAsync();

    /// <summary>
    /// True for a store that vouches for sessions without asking anybody (<see cref="ISessionStore.TryGetVouched"/>):
    /// the in-memory store, and Redis behind this instance's cache (the production default); false for Redis alone.
    /// </summary>
    private protected abstract bool VouchesLocally { get; }

    /// <summary>Lets <paramref name="record"/> expire the way it would in production, and moves the clock past it.</summary>
    private protected abstract Task LetExpireAsync(SessionKey key, SessionRecord record);

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Create_ThenGet_ReturnsEveryField()
    {
        var key = NewKey();
        var record = NewRecord("张三");

        await Store.CreateAsync(key, record, default);
        var stored = await Store.GetAsync(key, default);

        Assert.NotNull(stored);
        Assert.Equal(("张三", "zhang@example.com", "张三"), (stored.User, stored.Email, stored.Name));
        Assert.Equal(new[] { "staff", "研发" }, stored.Groups);
        Assert.Equal(record.CreatedAt, stored.CreatedAt);
        Assert.Equal(record.LastSeenAt, stored.LastSeenAt);
        Assert.Equal(record.AbsoluteExpiresAt, stored.AbsoluteExpiresAt);
        Assert.Equal(record.ExpiresAt, stored.ExpiresAt);
        Assert.Equal(("127.0.0.1", "contract-tests"), (stored.ClientAddress, stored.UserAgent));
    }

    [Fact]
    public async Task TryGetVouched_NeverVouchesForADeletedOrExpiredSession()
    {
        var (deleted, expired) = (NewKey(), NewKey());
        var expiring = NewRecord("bob", idle: TimeSpan.FromSeconds(1));
        await Store.CreateAsync(deleted, NewRecord("alice"), default);
        await Store.CreateAsync(expired, expiring, default);
        var read = await Store.GetAsync(deleted, default);
        Assert.Equal(VouchesLocally, Store.TryGetVouched(deleted, out var vouched));
        if (VouchesLocally)
        {
            Assert.Same(read, vouched);
        }

        await Store.DeleteAsync(deleted, default);
        await LetExpireAsync(expired, expiring);

        Assert.False(Store.TryGetVouched(deleted, out _));
        Assert.False(Store.TryGetVouched(expired, out _));
    }

    /// <summary>
    /// What the authenticated-session cache relies on: the same record instance comes back until the session
    /// changes, and never the old instance after it changed.
    /// </summary>
    [Fact]
    public async Task VouchedRecord_IsTheSameInstance_UntilTheSessionChanges()
    {
        var key = NewKey();
        await Store.CreateAsync(key, NewRecord(), default);
        var read = await Store.GetAsync(key, default);

        Assert.Equal(VouchesLocally, Store.TryGetVouched(key, out var first));
        Assert.Equal(VouchesLocally, Store.TryGetVouched(key, out var again));
        if (!VouchesLocally)
        {
            return;
        }
        Assert.Same(read, first);
        Assert.Same(first, again);

        await Store.TouchAsync(key, first with { LastSeenAt = Time.GetUtcNow().AddMinutes(1) }, default);

        Assert.False(Store.TryGetVouched(key, out var afterTouch) && ReferenceEquals(afterTouch, first));
        var reread = await Store.GetAsync(key, default);
        Assert.NotSame(first, reread);
        Assert.Equal(Time.GetUtcNow().AddMinutes(1), reread!.LastSeenAt);
    }

    [Fact]
    public async Task Get_NeverCreated_ReturnsNull() =>
        Assert.Null(await Store.GetAsync(NewKey(), default));

    [Fact]
    public async Task Sessions_AreIndependentOfEachOther()
    {
        var (aliceKey, bobKey) = (NewKey(), NewKey());
        await Store.CreateAsync(aliceKey, NewRecord("alice"), default);
        await Store.CreateAsync(bobKey, NewRecord("bob"), default);

        await Store.DeleteAsync(aliceKey, default);

        Assert.Null(await Store.GetAsync(aliceKey, default));
        Assert.Equal("bob", (await Store.GetAsync(bobKey, default))?.User);
    }

    [Fact]
    public async Task Touch_LiveSession_ReplacesTheRecord()
    {
        var key = NewKey();
        var record = NewRecord();
        await Store.CreateAsync(key, record, default);
        Time.Advance(TimeSpan.FromMinutes(10));
        var now = Time.GetUtcNow();

        await Store.TouchAsync(key, record with { LastSeenAt = now, ExpiresAt = now + Idle }, default);
        var stored = await Store.GetAsync(key, default);

        Assert.Equal(now, stored?.LastSeenAt);
        Assert.Equal(now + Idle, stored?.ExpiresAt);
        Assert.Equal(record.CreatedAt, stored?.CreatedAt);
    }

    [Fact]
    public async Task Touch_KeepsAnIdleSessionAlivePastItsFirstIdleExpiry()
    {
        var key = NewKey();
        await Store.CreateAsync(key, NewRecord(), default);
        Time.Advance(TimeSpan.FromMinutes(50));
        var now = Time.GetUtcNow();
        var current = (await Store.GetAsync(key, default))!;
        await Store.TouchAsync(key, current with { LastSeenAt = now, ExpiresAt = now + Idle }, default);

        Time.Advance(TimeSpan.FromMinutes(50));

        Assert.NotNull(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Touch_NeverCreated_DoesNotCreateIt()
    {
        var key = NewKey();

        await Store.TouchAsync(key, NewRecord(), default);

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Touch_AfterDelete_DoesNotResurrectIt()
    {
        var key = NewKey();
        var record = NewRecord();
        await Store.CreateAsync(key, record, default);
        await Store.DeleteAsync(key, default);

        await Store.TouchAsync(key, record with { LastSeenAt = Time.GetUtcNow() }, default);

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Touch_AfterExpiry_DoesNotResurrectIt()
    {
        var key = NewKey();
        var record = NewRecord(idle: TimeSpan.FromMilliseconds(300));
        await Store.CreateAsync(key, record, default);
        await LetExpireAsync(key, record);
        var now = Time.GetUtcNow();

        await Store.TouchAsync(key, record with { LastSeenAt = now, ExpiresAt = now + Idle }, default);

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Get_JustBeforeIdleExpiry_ReturnsTheSession()
    {
        var key = NewKey();
        await Store.CreateAsync(key, NewRecord(), default);

        Time.Advance(Idle - TimeSpan.FromSeconds(1));

        Assert.NotNull(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Get_AfterIdleExpiry_ReturnsNull()
    {
        var key = NewKey();
        var record = NewRecord(idle: TimeSpan.FromMilliseconds(300));
        await Store.CreateAsync(key, record, default);

        await LetExpireAsync(key, record);

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Get_AtAbsoluteExpiry_ReturnsNull_EvenWhenTheIdleExpiryLiesBeyondIt()
    {
        var key = NewKey();
        var now = Time.GetUtcNow();
        // A record whose idle expiry was slid past the absolute one: the absolute expiry still wins.
        var record = NewRecord() with { AbsoluteExpiresAt = now + Idle, ExpiresAt = now + Idle + Idle };
        await Store.CreateAsync(key, record, default);
        Time.Advance(Idle - TimeSpan.FromSeconds(1));
        Assert.NotNull(await Store.GetAsync(key, default));

        Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Theory]
    [InlineData("KATE")]
    [InlineData("\u212Aate")] // Kelvin sign
    [InlineData("\u212AATE")]
    public async Task ListByUser_AnySpellingOfTheName_FindsTheSessions_OnlyThose(string spelling)
    {
        var kate = NewKey();
        await Store.CreateAsync(kate, NewRecord("Kate"), default);
        await Store.CreateAsync(NewKey(), NewRecord("katie"), default);

        Assert.Equal([kate], (await Store.ListByUserAsync(spelling, default)).Select(s => s.Key));
        Assert.Equal([kate], (await Store.ListByUserAsync("kate", default)).Select(s => s.Key));
    }

    [Fact]
    public async Task Delete_RemovesTheSession()
    {
        var key = NewKey();
        await Store.CreateAsync(key, NewRecord(), default);

        await Store.DeleteAsync(key, default);

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task Delete_UnknownSession_IsHarmless()
    {
        var key = NewKey();

        await Store.DeleteAsync(key, default);
        await Store.DeleteAsync(key, default);

        Assert.Null(await Store.GetAsync(key, default));
    }

    [Fact]
    public async Task IsAvailable_WhenTheStoreAnswers_IsTrue() =>
        Assert.True(await Store.IsAvailableAsync(default));

    private protected static SessionKey NewKey() => SessionKey.FromSessionId(SessionId.New());

    /// <summary>A fresh session as sign-in creates it: idle expiry from now, never past the absolute expiry.</summary>
    private protected SessionRecord NewRecord(string user = "alice", TimeSpan? idle = null)
    {
        var now = Time.GetUtcNow();
        var absolute = now + Absolute;
        var expires = now + (idle ?? Idle);
        return new SessionRecord
        {
            User = user,
            Email = user == "张三" ? "zhang@example.com" : $"{user}@example.com",
            Name = user,
            Groups = ["staff", "研发"],
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = absolute,
            ExpiresAt = expires < absolute ? expires : absolute,
            ClientAddress = "127.0.0.1",
            UserAgent = "contract-tests",
        };
    }
}
