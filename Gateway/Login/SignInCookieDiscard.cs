using Gateway.Cookies;

namespace Gateway.Login;

/// <summary>
/// Session fixation guard: a sign-in (the password form's POST, or the return from an OpenID Connect provider to
/// <c>{PathPrefix}/oidc/{name}/callback</c>) never sees the session cookie it arrived with, so the cookie handler
/// always creates a brand-new session id instead of re-using the one the browser held. The cookie is found as the
/// framework would read it (any letter case, chunks; see <see cref="CookieHeader"/>).
/// </summary>
internal sealed class SignInCookieDiscard(RequestDelegate next, string pathPrefix, GatewayCookieNames sessionCookie)
{
    private readonly string _loginPath = pathPrefix + "/login";
    private readonly string _providerPaths = pathPrefix + "/oidc/";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if ((HttpMethods.IsPost(request.Method) && path.Equals(_loginPath, StringComparison.OrdinalIgnoreCase))
            || (path.StartsWith(_providerPaths, StringComparison.OrdinalIgnoreCase) && path.EndsWith("/callback", StringComparison.OrdinalIgnoreCase)))
        {
            if (CookieHeader.TryRemove(request.Headers.Cookie, sessionCookie, out var remaining))
            {
                request.Headers.Cookie = remaining;
            }
        }
        return next(context);
    }
}
