using System.Collections.Concurrent;

namespace Gateway.Sessions;

/// <summary>
/// Keeps the shared store off the hot path: a session read from the store is served from this instance's
/// <see cref="SessionCache"/> for the trust window. Every deletion removes the entry here and tells every other
/// instance (<see cref="ISessionInvalidation"/>) to drop it too, so a sign-out or revocation is refused everywhere
/// at once. Writes go straight through. A revocation wins over a read that began before it: such a read is neither
/// cached (<see cref="SessionCache.SetIfNotRevokedSince"/>) nor joined by a request that starts after the revocation.
/// </summary>
internal sealed class CachingSessionStore(ISessionStore inner, SessionCache cache, ISessionInvalidation invalidation)
    : ISessionStore
{
    public async Task<SessionRecord> CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
    {
        var stored = await inner.CreateAsync(key, record, cancellationToken);
        return cache.Set(key, stored) ?? stored;
    }

    private readonly ConcurrentDictionary<string, SharedRead> _reads = new(StringComparer.Ordinal);

    public Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        if (cache.TryGet(key, out var cached))
        {
            return Task.FromResult<SessionRecord?>(cached);
        }
        cache.CountMiss();
        // When the trust window of a busy session ends, every request in flight misses at once; they share one
        // read instead of each asking the store. The shared read ignores any one request's cancellation.
        var read = new SharedRead(cache.Revocations);
        while (true)
        {
            var shared = _reads.GetOrAdd(key.Value, read);
            if (shared == read)
            {
                break;
            }
            // Join only a read that began after every revocation this request may have to see.
            if (shared.Revocations >= read.Revocations)
            {
                return shared.Result.Task.WaitAsync(cancellationToken);
            }
            if (_reads.TryUpdate(key.Value, read, shared))
            {
                break;
            }
        }
        _ = ReadThroughAsync(key, read);
        return read.Result.Task.WaitAsync(cancellationToken);
    }

    private async Task ReadThroughAsync(SessionKey key, SharedRead read)
    {
        try
        {
            var record = await inner.GetAsync(key, CancellationToken.None);
            if (record is not null)
            {
                // The instance the cache vouches for, which may be the one it held (the session did not change).
                record = cache.SetIfNotRevokedSince(key, record, read.Revocations) ?? record;
            }
            _reads.TryRemove(new KeyValuePair<string, SharedRead>(key.Value, read));
            read.Result.SetResult(record);
        }
        catch (Exception ex)
        {
            _reads.TryRemove(new KeyValuePair<string, SharedRead>(key.Value, read));
            read.Result.SetException(ex);
        }
    }

    /// <summary>One store read shared by the requests that missed at once, and the revocation count before it began.</summary>
    private sealed class SharedRead(long revocations)
    {
        public long Revocations { get; } = revocations;

        public TaskCompletionSource<SessionRecord?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public bool TryGetVouched(SessionKey key, out SessionRecord record) => cache.TryGet(key, out record);

    // While the write is under way, requests of the same session read the slid record here (if it is still cached:
    // a revoked session is never put back) and do not write it again. Once written, the record as stored is cached
    // with a fresh trust window (the store has just vouched for it), so a slide costs no read afterwards; unless a
    // revocation overlapped the write (then, as for a read, nothing is cached) or the session was gone (a touch of a
    // deleted session does nothing in the store, and this instance must not revive it). A touch that changes who
    // the user is (a directory re-check's new groups, say) is announced like a revocation, so other instances drop
    // their copies at once instead of at their trust window's end; a slid expiry is not (their copies only expire a
    // little early, and then read the store).
    public async Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken)
    {
        var announce = !cache.TryGet(key, out var cached) || !cached.SameIdentityAs(record);
        var revocations = cache.Revocations;
        cache.Replace(key, record);
        SessionRecord? stored = null;
        try
        {
            stored = await inner.TouchAsync(key, record, cancellationToken);
        }
        finally
        {
            var vouched = stored is null ? null : cache.SetIfNotRevokedSince(key, stored, revocations);
            if (vouched is null)
            {
                cache.Forget(key);
            }
            stored = vouched ?? stored;
        }
        if (announce)
        {
            await invalidation.PublishChangedAsync(key, cancellationToken);
        }
        return stored;
    }

    public async Task DeleteAsync(SessionKey key, CancellationToken cancellationToken)
    {
        cache.Remove(key);
        await inner.DeleteAsync(key, cancellationToken);
        await invalidation.PublishAsync([key], cancellationToken);
    }

    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string user, CancellationToken cancellationToken) =>
        inner.ListByUserAsync(user, cancellationToken);

    public async Task<IReadOnlyList<StoredSession>> DeleteByUserAsync(string user, CancellationToken cancellationToken)
    {
        var ended = await inner.DeleteByUserAsync(user, cancellationToken);
        await Forget(ended.Select(s => s.Key).ToArray(), cancellationToken);
        return ended;
    }

    public async Task<IReadOnlyList<StoredSession>> DeleteByProviderSessionAsync(
        string provider, string? sessionId, string? subject, CancellationToken cancellationToken)
    {
        var ended = await inner.DeleteByProviderSessionAsync(provider, sessionId, subject, cancellationToken);
        await Forget(ended.Select(s => s.Key).ToArray(), cancellationToken);
        return ended;
    }

    public async Task<StoredSession?> DeleteByHandleAsync(string handle, CancellationToken cancellationToken)
    {
        var ended = await inner.DeleteByHandleAsync(handle, cancellationToken);
        if (ended is not null)
        {
            await Forget([ended.Key], cancellationToken);
        }
        return ended;
    }

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken) => inner.IsAvailableAsync(cancellationToken);

    private async Task Forget(SessionKey[] keys, CancellationToken cancellationToken)
    {
        if (keys.Length == 0)
        {
            return;
        }
        foreach (var key in keys)
        {
            cache.Remove(key);
        }
        await invalidation.PublishAsync(keys, cancellationToken);
    }
}
