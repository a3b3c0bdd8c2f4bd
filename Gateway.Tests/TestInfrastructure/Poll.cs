namespace Gateway.Tests.TestInfrastructure;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {because}.");
            }
            await Task.Delay(25);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, because);
}
