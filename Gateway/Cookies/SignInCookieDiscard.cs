namespace Gateway.Cookies;

/// <summary>
/// Session fixation guard: a sign-in POST never sees the session cookie it arrived with, so the cookie
/// handler always creates a brand-new session id instead of re-using the one the browser held.
/// </summary>
internal sealed class SignInCookieDiscard(RequestDelegate next, string loginPath, string cookieName)
{
    private readonly string _cookiePrefix = cookieName + "=";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.Equals(loginPath, StringComparison.OrdinalIgnoreCase))
        {
            if (CookieHeader.TryRemove(request.Headers.Cookie, _cookiePrefix, out var remaining))
            {
                request.Headers.Cookie = remaining;
            }
        }
        return next(context);
    }
}
