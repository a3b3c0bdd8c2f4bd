using Gateway.Sessions;

namespace Gateway.Tests.Sessions;

public sealed class SessionStoreContractTests_InMemory : SessionStoreContractTests
{
    private protected override bool VouchesLocally => true;

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
}
