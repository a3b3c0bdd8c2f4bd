namespace Gateway.Cookies;

/// <summary>
/// Session fixation guard: a sign-in POST never sees the session cookie it arrived with, so the cookie
/// handler always creates a brand-new session id instead of re-using the one the browser held. The cookie is found
/// as the framework would read it (any letter case, chunks; see <see cref="CookieHeader"/>).
/// </summary>
internal sealed class SignInCookieDiscard(RequestDelegate next, string loginPath, GatewayCookieNames sessionCookie)
{

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.Equals(loginPath, StringComparison.OrdinalIgnoreCase))
        {
            if (CookieHeader.TryRemove(request.Headers.Cookie, sessionCookie, out var remaining))
            {
                request.Headers.Cookie = remaining;
            }
        }
        return next(context);
    }
}
