using Gateway.Configuration;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Gateway.Tests.Sessions;

/// <summary>
/// What every <see cref="ISessionStore"/> promises to the admin API and the user directory: list a user's live
/// sessions, end them all, end one by handle; and to back-channel logout: end the sessions from one provider session
/// or subject. Run once per store.
/// </summary>
public abstract class SessionRevocationContractTests : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    private protected ISessionStore Store { get; private set; } = null!;

    private protected abstract Task<ISessionStore> CreateStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ListByUser_ReturnsOnlyThatUsersLiveSessions_OldestFirst_IgnoringCase()
    {
        var first = await CreateAsync("Bob", TimeSpan.FromHours(1));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = await CreateAsync("Bob", TimeSpan.FromHours(1));
        await CreateAsync("alice", TimeSpan.FromHours(1));

        var sessions = await Store.ListByUserAsync("bob", default);

        Assert.Equal([first, second], sessions.Select(s => s.Key));
        Assert.All(sessions, s => Assert.Equal("Bob", s.Record.User));
    }

    [Fact]
    public async Task ListByUser_LeavesOutExpiredSessions()
    {
        await CreateAsync("bob", TimeSpan.FromMinutes(1));
        var lasting = await CreateAsync("bob", TimeSpan.FromHours(1));

        Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal([lasting], (await Store.ListByUserAsync("bob", default)).Select(s => s.Key));
    }

    [Fact]
    public async Task DeleteByUser_EndsEverySessionOfThatUserOnly()
    {
        var bob1 = await CreateAsync("bob", TimeSpan.FromHours(1));
        var bob2 = await CreateAsync("bob", TimeSpan.FromHours(1));
        var alice = await CreateAsync("alice", TimeSpan.FromHours(1));

        var ended = await Store.DeleteByUserAsync("BOB", default);

        Assert.Equal(new[] { bob1.Value, bob2.Value }.Order(), ended.Select(s => s.Key.Value).Order());
        Assert.Null(await Store.GetAsync(bob1, default));
        Assert.Null(await Store.GetAsync(bob2, default));
        Assert.NotNull(await Store.GetAsync(alice, default));
        Assert.Empty(await Store.DeleteByUserAsync("bob", default));
    }

    [Fact]
    public async Task DeleteByHandle_EndsThatSessionOnly_AndReturnsIt()
    {
        var laptop = await CreateAsync("bob", TimeSpan.FromHours(1));
        var phone = await CreateAsync("bob", TimeSpan.FromHours(1));

        var ended = await Store.DeleteByHandleAsync(laptop.Handle, default);

        Assert.Equal(laptop, ended?.Key);
        Assert.Equal("bob", ended?.Record.User);
        Assert.Null(await Store.GetAsync(laptop, default));
        Assert.NotNull(await Store.GetAsync(phone, default));
        Assert.Null(await Store.DeleteByHandleAsync(laptop.Handle, default));
        Assert.Null(await Store.DeleteByHandleAsync("AAAAAAAAAAAA", default));
    }

    /// <summary>Sessions from providers (name, sid, sub); "-" is a password session.</summary>
    private static readonly (string Name, string? Provider, string? Sid, string? Sub)[] ProviderSessions =
    [
        ("idp-A-grace", "idp", "A", "grace"),
        ("idp-B-grace", "idp", "B", "grace"),
        ("idp-nosid-grace", "idp", null, "grace"),
        ("other-A-grace", "other", "A", "grace"),
        ("password-grace", null, null, null),
        ("idp-C-ada", "idp", "C", "ada"),
    ];

    [Theory]
    [InlineData("idp", "A", null, "idp-A-grace")]
    [InlineData("IDP", "A", null, "idp-A-grace")]
    [InlineData("idp", "A", "grace", "idp-A-grace idp-nosid-grace")]
    [InlineData("idp", null, "grace", "idp-A-grace idp-B-grace idp-nosid-grace")]
    [InlineData("idp", "Z", "grace", "idp-nosid-grace")]
    [InlineData("idp", "A", "ada", "")]
    [InlineData("idp", "Z", null, "")]
    [InlineData("idp", null, null, "")]
    [InlineData("nowhere", "A", "grace", "")]
    public async Task DeleteByProviderSession_EndsTheSessionsFromThatProviderSessionOrSubject(string provider, string? sid, string? sub, string expected)
    {
        var keys = new Dictionary<string, SessionKey>();
        foreach (var (name, from, sessionId, subject) in ProviderSessions)
        {
            keys[name] = await CreateAsync("grace", TimeSpan.FromHours(1), from, sessionId, subject);
        }

        var ended = await Store.DeleteByProviderSessionAsync(provider, sid, sub, default);

        var expectedNames = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expectedNames.Select(n => keys[n].Value).Order(), ended.Select(s => s.Key.Value).Order());
        foreach (var (name, key) in keys)
        {
            Assert.Equal(expectedNames.Contains(name), await Store.GetAsync(key, default) is null);
        }
        Assert.Empty(await Store.DeleteByProviderSessionAsync(provider, sid, sub, default));
    }

    private async Task<SessionKey> CreateAsync(string user, TimeSpan lifetime, string? provider = null, string? sid = null, string? sub = null)
    {
        var key = SessionKey.FromSessionId(SessionId.New());
        var now = Time.GetUtcNow();
        await Store.CreateAsync(key, new SessionRecord
        {
            User = user, CreatedAt = now, LastSeenAt = now, AbsoluteExpiresAt = now + TimeSpan.FromHours(12), ExpiresAt = now + lifetime,
            Provider = provider, ProviderSessionId = sid, ProviderSubject = sub,
        }, default);
        return key;
    }
}

public sealed class SessionRevocationContractTests_InMemory : SessionRevocationContractTests
{
    private protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new InMemorySessionStore(Time));
}

[Collection(RedisCollection.Name)]
public sealed class SessionRevocationContractTests_Redis(RedisServerFixture redis) : SessionRevocationContractTests
{
    private ConnectionMultiplexer? _connection;

    private protected override async Task<ISessionStore> CreateStoreAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        return new RedisSessionStore(_connection, Options.Create(new SsoOptions { RedisKeyPrefix = $"r{Guid.NewGuid():N}:" }), Time);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
