using Gateway.Sessions;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>The invalidation channel of an instance that is alone: nothing to tell anyone.</summary>
internal sealed class NoOtherInstances : ISessionInvalidation
{
    public Task PublishAsync(IReadOnlyList<SessionKey> keys, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PublishChangedAsync(SessionKey key, CancellationToken cancellationToken) => Task.CompletedTask;
}
