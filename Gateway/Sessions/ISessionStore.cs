namespace Gateway.Sessions;

/// <summary>
/// Server-side sessions keyed by <see cref="SessionKey"/>. Every write carries a TTL up to the record's
/// <see cref="SessionRecord.EndsAt"/> (idle expiry, never past the absolute one), so expired sessions vanish without a GC job.
/// Implementations throw <see cref="SessionStoreUnavailableException"/> when the store cannot answer.
/// </summary>
internal interface ISessionStore
{
    Task CreateAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken);

    /// <returns>The live record, or null when there is none (never created, expired or deleted).</returns>
    Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken);

    /// <summary>Replaces a live record (e.g. a slid expiry); does nothing when the session is gone.</summary>
    Task TouchAsync(SessionKey key, SessionRecord record, CancellationToken cancellationToken);

    Task DeleteAsync(SessionKey key, CancellationToken cancellationToken);

    /// <summary>True when the store answers; used by readiness.</summary>
    Task<bool> IsAvailableAsync(CancellationToken cancellationToken);
}

/// <summary>The session store did not answer (in time). Requests that need a session fail closed with 503.</summary>
internal sealed class SessionStoreUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner);
