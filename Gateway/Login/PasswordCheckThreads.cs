using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Gateway.Login;

/// <summary>
/// The threads password checks run on: a fixed number of dedicated threads, each at a lower CPU priority than the
/// rest of the gateway (nice 10 on Linux), as a <see cref="TaskScheduler"/>. A check started here stays here across
/// its awaits (an <c>await</c> resumes on the current scheduler), so the deliberately slow hash never runs on a
/// thread-pool thread: a sign-in storm can neither starve the pool that proxied requests need nor take their share of
/// the CPU, it only gets the time they leave.
/// </summary>
/// <remarks>
/// The queue is not bounded here: <see cref="PasswordCheckQueue"/> admits at most as many checks as there are
/// threads, so it holds at most those checks' continuations.
/// </remarks>
internal sealed class PasswordCheckThreads : TaskScheduler, IDisposable
{
    /// <summary>The Linux nice value of every password-check thread (0 is the default, 19 the lowest priority).</summary>
    public const int Niceness = 10;

    private readonly BlockingCollection<Task> _queue = new(new ConcurrentQueue<Task>());
    private readonly Thread[] _threads;

    public PasswordCheckThreads(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"password-check-{i + 1}" };
            _threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>
    /// Runs <paramref name="check"/> on these threads, awaits included; the caller goes on on the thread pool, never on
    /// one of these threads (the continuation would otherwise run inline on the thread that finished the check).
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> check, CancellationToken cancellationToken)
    {
        var run = Task.Factory.StartNew(check, cancellationToken, TaskCreationOptions.DenyChildAttach, this).Unwrap();
        await ((Task)run).ConfigureAwait(ConfigureAwaitOptions.ForceYielding | ConfigureAwaitOptions.SuppressThrowing);
        return await run.ConfigureAwait(false);
    }

    /// <summary>True when the calling thread is one of these.</summary>
    public bool IsCurrentThreadOwn => Array.IndexOf(_threads, Thread.CurrentThread) >= 0;

    protected override void QueueTask(Task task) => _queue.Add(task);

    // Only on our own threads, so a check's continuation never runs on the thread that completed its I/O.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        IsCurrentThreadOwn && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Work()
    {
        LowerPriority();
        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }

    private static void LowerPriority()
    {
        if (OperatingSystem.IsLinux())
        {
            // On Linux the nice value belongs to the thread (who = 0 is the calling thread), not to the process. Best
            // effort: a C library that cannot be found must not take the thread (and so the process) down.
            try
            {
                _ = setpriority(PrioProcess, 0, Niceness);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
        else
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
    }

    public void Dispose() => _queue.CompleteAdding();

    private const int PrioProcess = 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, uint who, int prio);
}
