using System.Net;
using System.Text.RegularExpressions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.OpenIdConnect;

/// <summary>
/// What a browser does between the gateway and the provider, over real sockets with one cookie jar (the
/// <see cref="GatewayClient"/>'s): follows redirects through the provider and into the gateway's sign-in page and
/// <c>/_sso/oidc/</c> paths, and fills in the provider's own login page. Stops at the first answer that goes anywhere
/// else (the return URL) or is not a redirect, and returns it.
/// </summary>
internal static partial class ProviderFlow
{
    /// <param name="login">The account to log in as at the provider's login page; null presses its Cancel link instead.</param>
    /// <param name="stopBefore">Return the redirect to a URL this accepts instead of following it (e.g. the callback).</param>
    public static async Task<HttpResponseMessage> FollowAsync(GatewayClient client, string url, string? login, string providerIssuer,
        Func<Uri, bool>? stopBefore = null)
    {
        var loggedIn = false;
        for (var step = 0; step < 20; step++)
        {
            var response = await SendAsync(client, HttpMethod.Get, url);
            if (IsRedirect(response))
            {
                var next = new Uri(new Uri(url), response.Headers.Location!);
                if (!IsProvider(next, providerIssuer) && !next.AbsolutePath.StartsWith("/_sso/oidc/", StringComparison.Ordinal)
                    && next.AbsolutePath != "/_sso/login")
                {
                    return response;
                }
                if (stopBefore?.Invoke(next) == true)
                {
                    return response;
                }
                response.Dispose();
                url = next.ToString();
                continue;
            }
            var html = await response.Content.ReadAsStringAsync();
            if (!loggedIn && IsProvider(new Uri(url), providerIssuer) && LoginForm().Match(html) is { Success: true } form)
            {
                loggedIn = true;
                response.Dispose();
                var action = new Uri(new Uri(url), WebUtility.HtmlDecode(form.Groups[1].Value));
                if (login is null)
                {
                    url = action + "/abort";
                    continue;
                }
                var post = await SendAsync(client, HttpMethod.Post, action.ToString(), new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["prompt"] = "login",
                    ["login"] = login,
                    ["password"] = "any password: the provider's development login page",
                }));
                Assert.True(IsRedirect(post), $"the provider's login answered {(int)post.StatusCode}: {await post.Content.ReadAsStringAsync()}");
                url = new Uri(action, post.Headers.Location!).ToString();
                post.Dispose();
                continue;
            }
            return response;
        }
        throw new InvalidOperationException("more than 20 steps between the gateway and the provider");
    }

    /// <summary>Signs in at the provider through the gateway's login endpoint for it; returns the final redirect.</summary>
    public static Task<HttpResponseMessage> SignInAsync(GatewayClient client, GatewayHost gateway, OpenIdProviderFixture provider,
        string? login, string providerName = "idp", string host = GatewayHost.App1, string returnUrl = "/", Func<Uri, bool>? stopBefore = null) =>
        FollowAsync(client, gateway.Url(host, $"/_sso/oidc/{providerName}/login?returnUrl={Uri.EscapeDataString(returnUrl)}"), login,
            provider.Issuer, stopBefore);

    /// <summary>True for the gateway's callback URL (the provider's answer).</summary>
    public static bool IsCallback(Uri uri) => uri.AbsolutePath.EndsWith("/callback", StringComparison.Ordinal);

    private static Task<HttpResponseMessage> SendAsync(GatewayClient client, HttpMethod method, string url, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        return client.Http.SendAsync(request);
    }

    private static bool IsRedirect(HttpResponseMessage response) => (int)response.StatusCode is 301 or 302 or 303 or 307 or 308;

    private static bool IsProvider(Uri uri, string issuer) => uri.GetLeftPart(UriPartial.Authority) == issuer;

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"[^>]*method=\"post\">\\s*<input type=\"hidden\" name=\"prompt\" value=\"login\"")]
    private static partial Regex LoginForm();
}
