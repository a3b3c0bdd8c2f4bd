using Gateway.Sessions;

namespace Gateway.Tests.Sessions;

public sealed class SessionStoreContractTests_InMemory : SessionStoreContractTests
{
    private protected override Task<ISessionStore> CreateStoreAsync() =>
        Task.FromResult<ISessionStore>(new InMemorySessionStore(Time));

    private protected override Task LetExpireAsync(SessionKey key, SessionRecord record)
    {
        Time.SetUtcNow(record.ExpiresAt);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ExpiredSessions_AreSweptWithoutBeingRead()
    {
        var store = (InMemorySessionStore)Store;
        await store.CreateAsync(NewKey(), NewRecord(idle: TimeSpan.FromSeconds(30)), default);
        await store.CreateAsync(NewKey(), NewRecord(), default);
        Assert.Equal(2, store.Count);

        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task LiveSession_IsVouchedFor_AsTheSameRecordUntilItChanges()
    {
        var key = NewKey();
        await Store.CreateAsync(key, NewRecord(), default);

        Assert.True(Store.TryGetVouched(key, out var first));
        Assert.True(Store.TryGetVouched(key, out var again));
        Assert.Same(first, again);

        await Store.TouchAsync(key, first with { LastSeenAt = Time.GetUtcNow().AddMinutes(1) }, default);
        Assert.True(Store.TryGetVouched(key, out var touched));
        Assert.NotSame(first, touched);
    }
}
