using System.Security.Claims;
using Gateway.Configuration;
using Gateway.Cookies;
using Gateway.Identity;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Cookies;

/// <summary>The bridge between the cookie handler and the session store: what a sign-in writes, what a request reads.</summary>
public sealed class SessionTicketStoreTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
    private readonly CountingStore _store;
    private readonly SessionTicketStore _tickets;

    public SessionTicketStoreTests()
    {
        _store = new CountingStore(new InMemorySessionStore(_time));
        var options = Options.Create(new SsoOptions { IdleTimeout = Idle, AbsoluteTimeout = TimeSpan.FromHours(1) });
        _tickets = new SessionTicketStore(_store, new SlidingExpiry(_time, Idle), options, _time, NullLogger<SessionTicketStore>.Instance);
    }

    private static AuthenticationTicket Ticket(string user = "alice", params string[] groups) =>
        new(UserPrincipal.Create(user, user + "@example.com", user + " Example", groups, null), "Cookies");

    private static HttpContext Browser(string userAgent = "Mozilla/5.0 (X11; Linux x86_64)")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("192.0.2.7");
        context.Request.Headers.UserAgent = userAgent;
        return context;
    }

    [Fact]
    public async Task SignIn_WritesTheIdentityAndDevice_UnderTheHashOfANewId()
    {
        var id = await _tickets.StoreAsync(Ticket("alice", "staff", "admin"), Browser(new string('x', 500)), default);

        Assert.True(SessionId.IsWellFormed(id));
        var record = await _store.GetAsync(SessionKey.FromSessionId(id), default);
        Assert.NotNull(record);
        Assert.Equal(("alice", "alice@example.com", "alice Example"), (record.User, record.Email, record.Name));
        Assert.Equal(["staff", "admin"], record.Groups);
        Assert.Equal("192.0.2.7", record.ClientAddress);
        Assert.Equal(200, record.UserAgent!.Length);
        Assert.Equal(_time.GetUtcNow() + Idle, record.ExpiresAt);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(1), record.AbsoluteExpiresAt);
        Assert.NotEqual(id, await _tickets.StoreAsync(Ticket(), Browser(), default));
    }

    [Fact]
    public async Task Request_GetsTheSessionsPrincipal_AndNotesTheRecordItWasBuiltFrom()
    {
        var id = await _tickets.StoreAsync(Ticket("bob", "staff"), Browser(), default);
        var context = Browser();

        var ticket = await _tickets.RetrieveAsync(id, context, default);

        Assert.Equal("bob", ticket!.Principal.Identity!.Name);
        Assert.Equal(["staff"], ticket.Principal.FindAll(GatewayClaimTypes.Group).Select(c => c.Value));
        var retrieved = context.Features.Get<SessionTicketStore.RetrievedSession>()!;
        Assert.Equal(SessionKey.FromSessionId(id), retrieved.Key);
        Assert.True(_store.TryGetVouched(retrieved.Key, out var vouched));
        Assert.Same(vouched, retrieved.Record);
        Assert.Equal(SessionKey.FromSessionId(id).Handle, ticket.Principal.FindFirstValue(GatewayClaimTypes.SessionHandle));
    }

    public static TheoryData<string> NotSessionIds => new() { "", "short", new string('a', 44), "../../etc/passwd", "aaaa aaaa", new string('é', 43) };

    [Theory]
    [MemberData(nameof(NotSessionIds))]
    public async Task MalformedId_IsNoSession_AndNeverAsksTheStore(string id)
    {
        Assert.Null(await _tickets.RetrieveAsync(id, Browser(), default));
        Assert.Equal(0, _store.Reads);
    }

    [Fact]
    public async Task EndedOrExpiredSession_IsNoSession()
    {
        var ended = await _tickets.StoreAsync(Ticket(), Browser(), default);
        var expiring = await _tickets.StoreAsync(Ticket(), Browser(), default);
        await _tickets.RemoveAsync(ended, Browser(), default);
        Assert.Null(await _tickets.RetrieveAsync(ended, Browser(), default));

        _time.Advance(Idle);

        Assert.Null(await _tickets.RetrieveAsync(expiring, Browser(), default));
    }

    [Fact]
    public async Task DueSlide_IsWrittenOnce_HoweverManyRequestsSeeIt_NeverPastTheAbsoluteExpiry()
    {
        var id = await _tickets.StoreAsync(Ticket(), Browser(), default);
        _time.Advance(TimeSpan.FromMinutes(1));

        var tickets = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => _tickets.RetrieveAsync(id, Browser(), default)));

        Assert.All(tickets, t => Assert.Equal("alice", t!.Principal.Identity!.Name));
        Assert.Equal(1, _store.Touches);
        var slid = await _store.GetAsync(SessionKey.FromSessionId(id), default);
        Assert.Equal(_time.GetUtcNow() + Idle, slid!.ExpiresAt);

        for (var i = 0; i < 11; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            Assert.NotNull(await _tickets.RetrieveAsync(id, Browser(), default));
        }
        var last = await _store.GetAsync(SessionKey.FromSessionId(id), default);
        Assert.Equal(last!.AbsoluteExpiresAt, last.ExpiresAt);
    }

    [Fact]
    public async Task SessionEndedWhileItsSlideIsWritten_IsNoSession()
    {
        var id = await _tickets.StoreAsync(Ticket(), Browser(), default);
        _time.Advance(TimeSpan.FromMinutes(2));
        // A sign-out on another instance lands between this request's read and its slide: the slide finds nothing.
        _store.EndBeforeTouch = true;
        var context = Browser();

        Assert.Null(await _tickets.RetrieveAsync(id, context, default));
        Assert.Equal(1, _store.Touches);
        Assert.Null(context.Features.Get<SessionTicketStore.RetrievedSession>());
        Assert.Null(await _store.GetAsync(SessionKey.FromSessionId(id), default));
    }

    [Fact]
    public async Task StoreThatDoesNotAnswer_IsNoSession_AndMarksTheRequest()
    {
        var id = await _tickets.StoreAsync(Ticket(), Browser(), default);
        _store.Down = true;
        var context = Browser();

        Assert.Null(await _tickets.RetrieveAsync(id, context, default));
        Assert.True(SessionStoreFailure.IsMarkedOn(context));
    }

    [Fact]
    public async Task Renewal_WritesNothing()
    {
        var id = await _tickets.StoreAsync(Ticket("alice"), Browser(), default);

        await _tickets.RenewAsync(id, Ticket("mallory", "admin"), Browser(), default);

        Assert.Equal("alice", (await _store.GetAsync(SessionKey.FromSessionId(id), default))!.User);
        Assert.Equal(0, _store.Touches);
    }

    private sealed class CountingStore(InMemorySessionStore inner) : DelegatingSessionStore(inner)
    {
        public int Reads;
        public int Touches;
        public bool Down;
        public bool EndBeforeTouch;

        public override Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Reads);
            return Down ? throw new SessionStoreUnavailableException("down") : base.GetAsync(key, cancellationToken);
        }

        public override async Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Touches);
            if (EndBeforeTouch)
            {
                await DeleteAsync(key, cancellationToken);
            }
            return await base.TouchAsync(key, record, cancellationToken);
        }
    }
}
