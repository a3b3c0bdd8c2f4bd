namespace Gateway.Login;

/// <summary>
/// Fixed-window counters of sign-in attempts (SPEC §9), kept where every gateway instance sees them: Redis when
/// <c>Sso:Redis</c> is set, this process otherwise. A counter's window starts with its first attempt and is never
/// extended by later ones. Implementations throw <see cref="Sessions.SessionStoreUnavailableException"/> when the
/// store does not answer, so sign-in fails closed with 503.
/// </summary>
internal interface ISignInAttemptStore
{
    /// <summary>Adds one to each counter and returns, in the order of <paramref name="keys"/>, each count and the time left in its window.</summary>
    Task<AttemptCount[]> IncrementAsync(IReadOnlyList<string> keys, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Takes one back from a counter that still exists (the attempt turned out to succeed).</summary>
    Task DecrementAsync(string key, CancellationToken cancellationToken);

    /// <summary>Forgets a counter.</summary>
    Task ResetAsync(string key, CancellationToken cancellationToken);
}

/// <param name="Count">Attempts in the current window, this one included.</param>
/// <param name="WindowLeft">Time until the window ends and the counter is forgotten.</param>
internal readonly record struct AttemptCount(long Count, TimeSpan WindowLeft);
