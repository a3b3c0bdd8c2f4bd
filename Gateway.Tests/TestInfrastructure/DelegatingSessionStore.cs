using Gateway.Sessions;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>A session store that passes every call to <paramref name="inner"/>; tests override the calls they watch or slow down.</summary>
internal abstract class DelegatingSessionStore(ISessionStore inner) : ISessionStore
{
    public virtual Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public virtual Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken) => inner.TouchAsync(key, record, cancellationToken);

    public Task<SessionRecord> CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken) => inner.CreateAsync(key, record, cancellationToken);

    public bool TryGetVouched(SessionKey key, out SessionRecord record) => inner.TryGetVouched(key, out record);

    public Task DeleteAsync(SessionKey key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public Task<IReadOnlyList<StoredSession>> ListByUserAsync(string user, CancellationToken cancellationToken) => inner.ListByUserAsync(user, cancellationToken);

    public Task<IReadOnlyList<StoredSession>> DeleteByUserAsync(string user, CancellationToken cancellationToken) => inner.DeleteByUserAsync(user, cancellationToken);

    public Task<StoredSession?> DeleteByHandleAsync(string handle, CancellationToken cancellationToken) => inner.DeleteByHandleAsync(handle, cancellationToken);

    public Task<IReadOnlyList<StoredSession>> DeleteByProviderSessionAsync(string provider, string? sessionId, string? subject, CancellationToken cancellationToken) =>
        inner.DeleteByProviderSessionAsync(provider, sessionId, subject, cancellationToken);

    public Task<bool> IsAvailableAsync(CancellationToken cancellationToken) => inner.IsAvailableAsync(cancellationToken);
}
