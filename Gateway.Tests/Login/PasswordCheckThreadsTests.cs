using Gateway.Login;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Login;

/// <summary>
/// Password checks run on their own low-priority threads, awaits included, so a sign-in storm can neither block
/// thread-pool threads (which proxied requests need) nor take the CPU share of proxied traffic.
/// </summary>
public sealed class PasswordCheckThreadsTests : IDisposable
{
    private readonly PasswordCheckThreads _threads = new(2);

    [Fact]
    public async Task ACheck_RunsOnAPasswordCheckThread_AtALowerPriority_AcrossItsAwaits()
    {
        var seen = new List<(bool Pool, string? Name, int Nice)>();

        await _threads.RunAsync(async () =>
        {
            seen.Add(Observe());
            await Task.Delay(20); // resumes from a timer thread: the continuation must come back here
            seen.Add(Observe());
            await Task.Yield();
            seen.Add(Observe());
            return 0;
        }, default);

        Assert.All(seen, s =>
        {
            Assert.False(s.Pool);
            Assert.StartsWith("password-check-", s.Name);
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(PasswordCheckThreads.Niceness, s.Nice);
            }
        });
    }

    [Fact]
    public async Task TheCaller_GoesOnOnThePool_NotOnAPasswordCheckThread()
    {
        // As a request handler awaits it: no synchronization context.
        var (own, pool) = await Task.Run(async () =>
        {
            await _threads.RunAsync(() => Task.FromResult(0), default);
            return (_threads.IsCurrentThreadOwn, Thread.CurrentThread.IsThreadPoolThread);
        });

        Assert.False(own);
        Assert.True(pool);
    }

    [Fact]
    public async Task NoMoreChecksRunAtOnce_ThanThereAreThreads()
    {
        using var gate = new ManualResetEventSlim();
        var started = 0;
        // Blocking synchronously, as a PBKDF2 verification does.
        var checks = Enumerable.Range(0, 5).Select(_ => _threads.RunAsync(() =>
        {
            Interlocked.Increment(ref started);
            gate.Wait(TimeSpan.FromSeconds(30));
            return Task.FromResult(0);
        }, default)).ToList();

        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref started) == 2), TimeSpan.FromSeconds(10), "both threads took a check");
        // Both threads are blocked: a third check can only have started on some other thread.
        Assert.Equal(2, Volatile.Read(ref started));
        Assert.All(checks, c => Assert.False(c.IsCompleted));

        gate.Set();
        await Task.WhenAll(checks);
        Assert.Equal(5, started);
    }

    [Fact]
    public async Task AFailingCheck_ThrowsItsOwnException_ToTheCaller()
    {
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => _threads.RunAsync<int>(async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("directory said no");
        }, default));

        Assert.Equal("directory said no", thrown.Message);
    }

    [Fact]
    public async Task ACheckWhoseSignInWasAbandoned_BeforeItStarted_NeverRuns()
    {
        using var abandoned = new CancellationTokenSource();
        abandoned.Cancel();
        var ran = false;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _threads.RunAsync(() =>
        {
            ran = true;
            return Task.FromResult(0);
        }, abandoned.Token));

        Assert.False(ran);
    }

    private (bool Pool, string? Name, int Nice) Observe() =>
        (Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name, OperatingSystem.IsLinux() ? ThreadNiceness() : 0);

    /// <summary>The calling thread's nice value: field 19 of /proc/thread-self/stat (after the command name in parentheses).</summary>
    private static int ThreadNiceness()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _threads.Dispose();
}
