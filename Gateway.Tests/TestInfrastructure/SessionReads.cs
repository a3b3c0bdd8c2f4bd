using Gateway.Sessions;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>Reads that return a new instance each time, as Redis's do (the in-memory store returns the record it holds).</summary>
internal class FreshReads(ISessionStore inner) : DelegatingSessionStore(inner)
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public override async Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return await base.GetAsync(key, cancellationToken) is { } record ? record with { } : null;
    }
}

/// <summary>Fresh reads that return what they read only when released (<see cref="Release"/>), having said they started.</summary>
internal sealed class SlowReads(ISessionStore inner) : FreshReads(inner)
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the read under way will return, once <see cref="Started"/>.</summary>
    public SessionRecord? Reading { get; private set; }

    public override async Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        var record = Reading = await base.GetAsync(key, cancellationToken);
        Started.TrySetResult();
        await Release.Task;
        return record;
    }
}
