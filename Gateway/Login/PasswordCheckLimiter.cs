using System.Threading.RateLimiting;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>
/// Bounds the CPU a sign-in storm can take: at most <c>Sso:PasswordChecks:MaxConcurrent</c> password verifications
/// run at once, at most <c>Sso:PasswordChecks:QueueLimit</c> wait (oldest first), and the rest are told to come back
/// (503 with <c>Retry-After</c>) without their attempt counting as a failure. Right and wrong passwords and unknown
/// users all queue alike, so waiting reveals nothing about an account.
/// </summary>
internal sealed class PasswordCheckLimiter : IAsyncDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public PasswordCheckLimiter(IOptions<SsoOptions> options)
    {
        var checks = options.Value.PasswordChecks;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = checks.MaxConcurrent,
            QueueLimit = checks.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>A lease to verify one password; <see cref="RateLimitLease.IsAcquired"/> is false when the queue is full.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken) => _limiter.AcquireAsync(1, cancellationToken);

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();
}
