using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Sessions;

/// <summary>
/// A revocation wins over a store read that began before it: the read's record is never put (back) in the
/// per-instance cache, and a request that starts after the revocation never joins that read. Made deterministic by
/// a store whose first read takes its record at once but answers only when the test lets it (as a Redis reply still
/// on the wire while the session is deleted).
/// </summary>
public sealed class CachingSessionStoreTests : IDisposable
{
    private readonly InMemorySessionStore _records = new(TimeProvider.System);
    private readonly HeldFirstRead _store;
    private readonly SessionCache _cache = new(TimeProvider.System, 100, TimeSpan.FromMinutes(1));
    private readonly CachingSessionStore _caching;
    private readonly SessionKey _key = SessionKey.FromSessionId(SessionId.New());

    public CachingSessionStoreTests()
    {
        _store = new HeldFirstRead(_records);
        _caching = new CachingSessionStore(_store, _cache, new NoOtherInstances());
        var now = DateTimeOffset.UtcNow;
        _records.CreateAsync(_key, new SessionRecord
        {
            User = "alice",
            CreatedAt = now,
            LastSeenAt = now,
            AbsoluteExpiresAt = now.AddHours(12),
            ExpiresAt = now.AddHours(1),
        }, default).GetAwaiter().GetResult();
    }

    public static TheoryData<string> Revocations => new() { "sign-out", "admin by handle", "admin by user", "another instance", "connection lost" };

    private async Task RevokeAsync(string how)
    {
        switch (how)
        {
            case "sign-out":
                await _caching.DeleteAsync(_key, default);
                break;
            case "admin by handle":
                Assert.NotNull(await _caching.DeleteByHandleAsync(_key.Handle, default));
                break;
            case "admin by user":
                Assert.Single(await _caching.DeleteByUserAsync("alice", default));
                break;
            case "another instance":
                // Another instance deleted it in the store; its message reaches RedisSessionInvalidation, which does this.
                await _records.DeleteAsync(_key, default);
                _cache.Remove(_key.Value);
                break;
            default:
                // The connection that carries such messages was lost (RedisSessionInvalidation clears the cache).
                await _records.DeleteAsync(_key, default);
                _cache.Clear();
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Revocations))]
    public async Task ReadInFlightDuringARevocation_DoesNotPutTheRecordBackInTheCache(string how)
    {
        var read = _caching.GetAsync(_key, default);
        await _store.FirstReadTookItsRecord.WaitAsync(TimeSpan.FromSeconds(10));

        await RevokeAsync(how);
        _store.AnswerFirstRead();

        Assert.Equal("alice", (await read)?.User); // it began before the revocation: either answer is right for it
        Assert.False(_caching.TryGetVouched(_key, out _));
        Assert.Null(await _caching.GetAsync(_key, default));
        Assert.Equal(2, _store.Reads);
    }

    [Theory]
    [MemberData(nameof(Revocations))]
    public async Task RequestAfterARevocation_DoesNotJoinAReadThatBeganBeforeIt(string how)
    {
        var before = _caching.GetAsync(_key, default);
        await _store.FirstReadTookItsRecord.WaitAsync(TimeSpan.FromSeconds(10));

        await RevokeAsync(how);
        var after = _caching.GetAsync(_key, default);

        // Joining the held read would wait for it: a bounded wait turns that into a failure, not a hang.
        Assert.Null(await after.WaitAsync(TimeSpan.FromSeconds(10)));
        _store.AnswerFirstRead();
        await before;
        Assert.False(_caching.TryGetVouched(_key, out _));
        Assert.Equal(2, _store.Reads);
    }

    [Fact]
    public async Task ReadsWithoutARevocation_AreSharedAndCached()
    {
        var first = _caching.GetAsync(_key, default);
        await _store.FirstReadTookItsRecord.WaitAsync(TimeSpan.FromSeconds(10));
        var second = _caching.GetAsync(_key, default);

        _store.AnswerFirstRead();

        Assert.Same(await first, await second);
        Assert.True(_caching.TryGetVouched(_key, out var vouched));
        Assert.Same(await first, vouched);
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public async Task ATouchedSession_IsVouchedFor_WithoutAskingTheStoreAgain()
    {
        _store.HoldFirstRead = false;
        var read = await _caching.GetAsync(_key, default);
        var slid = read! with { LastSeenAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) };

        var stored = await _caching.TouchAsync(_key, slid, default);

        // The record as stored is what the cache vouches for from now on (the authenticated-session cache keys on
        // that very instance), and the store is not read again for it.
        Assert.NotNull(stored);
        Assert.True(_caching.TryGetVouched(_key, out var vouched));
        Assert.Same(stored, vouched);
        Assert.Same(stored, await _caching.GetAsync(_key, default));
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public async Task ATouchThatARevocationOverlaps_IsNotCached()
    {
        _store.HoldFirstRead = false;
        var read = await _caching.GetAsync(_key, default);
        var written = _store.HoldNextTouch();
        var touch = _caching.TouchAsync(_key, read! with { LastSeenAt = DateTimeOffset.UtcNow }, default);
        await written.WaitAsync(TimeSpan.FromSeconds(10));

        // Another instance deletes the session after the touch reached the store but before its answer came back,
        // and its message arrives first (RedisSessionInvalidation does this).
        await _records.DeleteAsync(_key, default);
        _cache.Remove(_key.Value);
        _store.AnswerTouch();
        await touch;

        Assert.False(_caching.TryGetVouched(_key, out _));
        Assert.Null(await _caching.GetAsync(_key, default));
    }

    [Fact]
    public async Task ATouchOfAnEndedSession_ReturnsNull_AndCachesNothing()
    {
        _store.HoldFirstRead = false;
        var read = await _caching.GetAsync(_key, default);
        await _records.DeleteAsync(_key, default);

        Assert.Null(await _caching.TouchAsync(_key, read! with { LastSeenAt = DateTimeOffset.UtcNow }, default));

        Assert.False(_caching.TryGetVouched(_key, out _));
        Assert.Null(await _records.GetAsync(_key, default));
    }

    public void Dispose() => _records.Dispose();

    /// <summary>The real in-memory store, except that its first read takes the record at once and answers when released.</summary>
    private sealed class HeldFirstRead(InMemorySessionStore inner) : DelegatingSessionStore(inner)
    {
        private readonly TaskCompletionSource _tookRecord = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        public int Reads => _reads;

        public Task FirstReadTookItsRecord => _tookRecord.Task;

        public void AnswerFirstRead() => _answer.SetResult();

        public override async Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
        {
            var record = await base.GetAsync(key, cancellationToken);
            if (Interlocked.Increment(ref _reads) == 1 && HoldFirstRead)
            {
                _tookRecord.SetResult();
                await _answer.Task;
            }
            return record;
        }

        /// <summary>False: reads answer at once (the tests of touches).</summary>
        public bool HoldFirstRead { get; set; } = true;

        private TaskCompletionSource? _touchWritten;
        private TaskCompletionSource? _touchAnswer;

        /// <summary>The next touch is written to the store at once but answers only when <see cref="AnswerTouch"/> is called.</summary>
        public Task HoldNextTouch()
        {
            _touchWritten = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _touchAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return _touchWritten.Task;
        }

        public void AnswerTouch() => _touchAnswer!.SetResult();

        public override async Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
        {
            var stored = await base.TouchAsync(key, record, cancellationToken);
            if (_touchAnswer is { } answer)
            {
                _touchWritten!.SetResult();
                await answer.Task;
            }
            return stored;
        }
    }
}
