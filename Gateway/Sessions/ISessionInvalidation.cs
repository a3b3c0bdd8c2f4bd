namespace Gateway.Sessions;

/// <summary>Tells every instance that sessions ended or changed, so none keeps serving its local copy.</summary>
internal interface ISessionInvalidation
{
    /// <summary>The sessions ended (sign-out, revocation): every instance revokes its copy, live connections included.</summary>
    Task PublishAsync(IReadOnlyList<SessionKey> keys, CancellationToken cancellationToken);

    /// <summary>The session's record changed (who the user is, not only when it expires): every instance reads it again.</summary>
    Task PublishChangedAsync(SessionKey key, CancellationToken cancellationToken);
}
