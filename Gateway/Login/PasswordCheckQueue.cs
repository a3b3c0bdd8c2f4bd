using System.Threading.RateLimiting;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>
/// Bounds what a sign-in storm can take: at most <c>Sso:PasswordChecks:MaxConcurrent</c> password verifications
/// run at once, each on one of as many dedicated low-priority threads (<see cref="PasswordCheckThreads"/>), at most
/// <c>Sso:PasswordChecks:QueueLimit</c> wait (oldest first), and the rest are told to come back (503 with
/// <c>Retry-After</c>) without their attempt counting as a failure. Right and wrong passwords and unknown users all
/// queue alike, so waiting reveals nothing about an account.
/// </summary>
internal sealed class PasswordCheckQueue : IAsyncDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly PasswordCheckThreads _threads;

    public PasswordCheckQueue(IOptions<SsoOptions> options)
    {
        var checks = options.Value.PasswordChecks;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = checks.MaxConcurrent,
            QueueLimit = checks.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _threads = new PasswordCheckThreads(checks.MaxConcurrent);
    }

    /// <summary>A lease to verify one password; <see cref="RateLimitLease.IsAcquired"/> is false when the queue is full.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken) => _limiter.AcquireAsync(1, cancellationToken);

    /// <summary>Runs a check, under a lease from <see cref="AcquireAsync"/>, on the password-check threads.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> check, CancellationToken cancellationToken) => _threads.RunAsync(check, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _limiter.DisposeAsync();
        _threads.Dispose();
    }
}
