namespace Gateway.Sessions;

/// <summary>
/// Server-side sessions keyed by <see cref="SessionKey"/>. Every write carries a TTL up to the record's
/// <see cref="SessionRecord.EndsAt"/> (idle expiry, never past the absolute one), so expired sessions vanish without a GC job.
/// Implementations throw <see cref="SessionStoreUnavailableException"/> when the store cannot answer.
/// </summary>
internal interface ISessionStore
{
    /// <returns>The record as stored: <paramref name="record"/>, or a copy with what the store keeps for itself
    /// (<see cref="SessionRecord.IndexedUntil"/>). Cache that one, not the argument.</returns>
    Task<SessionRecord> CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken);

    /// <returns>The live record, or null when there is none (never created, expired or deleted).</returns>
    Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken);

    /// <summary>
    /// The live record when this instance can vouch for it without asking the shared store (in memory, or read from
    /// the store within the cache's trust window); false means "ask <see cref="GetAsync"/>". Synchronous and
    /// allocation-free: the hot path of every signed-in request starts here. The same record instance comes back
    /// until the session changes, is re-read from the store or ends.
    /// </summary>
    bool TryGetVouched(SessionKey key, out SessionRecord record);

    /// <summary>Replaces a live record (e.g. a slid expiry); does nothing when the session is gone.</summary>
    /// <returns>The record as stored (see <see cref="CreateAsync"/>), or null when the session was gone.</returns>
    Task<SessionRecord?> TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken);

    Task DeleteAsync(SessionKey key, CancellationToken cancellationToken);

    /// <summary>
    /// The user's live sessions, oldest first. <paramref name="user"/> matches as <see cref="Identity.UserNames"/>
    /// compares names. Reads only: listing changes nothing in the store.
    /// </summary>
    Task<IReadOnlyList<StoredSession>> ListByUserAsync(string user, CancellationToken cancellationToken);

    /// <summary>Ends every session of the user (e.g. an operator's revocation, a disabled account).</summary>
    /// <returns>The live sessions that were ended.</returns>
    Task<IReadOnlyList<StoredSession>> DeleteByUserAsync(string user, CancellationToken cancellationToken);

    /// <summary>Ends the session whose <see cref="SessionKey.Handle"/> is <paramref name="handle"/>.</summary>
    /// <returns>The ended session, or null when no live session has that handle.</returns>
    Task<StoredSession?> DeleteByHandleAsync(string handle, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the sessions that came from one provider session: those of <paramref name="provider"/> with that
    /// <paramref name="sessionId"/> (<c>sid</c>) when one is given, else every session of that
    /// <paramref name="subject"/> (<c>sub</c>); when both are given, both must match (OpenID Connect Back-Channel
    /// Logout). See <see cref="ProviderSessionMatch"/>.
    /// </summary>
    /// <returns>The live sessions that were ended.</returns>
    Task<IReadOnlyList<StoredSession>> DeleteByProviderSessionAsync(string provider, string? sessionId, string? subject, CancellationToken cancellationToken);

    /// <summary>True when the store answers; used by readiness.</summary>
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken);
}

/// <summary>A live session as an operator sees it: the key (whose <see cref="SessionKey.Handle"/> is shown) and the record.</summary>
internal sealed record StoredSession(SessionKey Key, SessionRecord Record);

internal static class ProviderSessionMatch
{
    /// <summary>
    /// True when <paramref name="record"/> came from the provider session a back-channel logout names. A session whose
    /// provider sent no <c>sid</c> at sign-in cannot be told apart from the subject's other sessions: it ends when the
    /// logout names its subject (ending one session too many is the safe mistake).
    /// </summary>
    public static bool Matches(SessionRecord record, string provider, string? sessionId, string? subject) =>
        string.Equals(record.Provider, provider, StringComparison.OrdinalIgnoreCase)
        && (sessionId is not null || subject is not null)
        && (sessionId is null || string.Equals(record.ProviderSessionId, sessionId, StringComparison.Ordinal)
            || (record.ProviderSessionId is null && subject is not null))
        && (subject is null || string.Equals(record.ProviderSubject, subject, StringComparison.Ordinal));
}

/// <summary>The session store did not answer (in time). Requests that need a session fail closed with 503.</summary>
internal sealed class SessionStoreUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner);
