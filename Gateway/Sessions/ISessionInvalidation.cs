namespace Gateway.Sessions;

/// <summary>Tells every instance that sessions ended, so none keeps serving them from its local cache.</summary>
internal interface ISessionInvalidation
{
    Task PublishAsync(IReadOnlyList<SessionKey> keys, CancellationToken cancellationToken);
}
