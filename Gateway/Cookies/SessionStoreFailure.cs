namespace Gateway.Cookies;

/// <summary>
/// Marks a request whose session could not be checked because the store did not answer.
/// Such a request is never treated as signed in, and a challenge becomes 503 rather than a login redirect.
/// </summary>
internal sealed class SessionStoreFailure
{
    private static readonly SessionStoreFailure Instance = new();

    public static void MarkOn(HttpContext context) => context.Features.Set(Instance);

    public static bool IsMarkedOn(HttpContext context) => context.Features.Get<SessionStoreFailure>() is not null;
}
