using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.ForwardAuth;

/// <summary>
/// A browser in front of another proxy: a cookie jar, redirects followed one by one (so each step can be checked), and
/// every connection to 127.0.0.1 on the URL's port whatever its host (<c>*.sso.localhost</c>).
/// </summary>
internal sealed partial class ProxyBrowser : IDisposable
{
    public ProxyBrowser()
    {
        Http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = Cookies,
            ConnectCallback = LoopbackConnection.ConnectAsync,
        }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    /// <summary>Every URL the last <see cref="NavigateAsync"/> visited, in order.</summary>
    public List<string> Visited { get; } = [];

    public async Task<HttpResponseMessage> GetAsync(string url, bool asBrowser = true, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd(asBrowser ? "text/html,application/xhtml+xml,*/*;q=0.8" : "application/json");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await Http.SendAsync(request);
    }

    /// <summary>Opens <paramref name="url"/> as a page and follows redirects (at most five) to the final answer.</summary>
    public async Task<HttpResponseMessage> NavigateAsync(string url, IEnumerable<(string Name, string Value)>? headers = null)
    {
        Visited.Clear();
        var response = await GetAsync(url, headers: headers);
        Visited.Add(url);
        for (var hops = 0; IsRedirect(response.StatusCode); hops++)
        {
            Assert.True(hops < 5, "more than five redirects: " + string.Join(" -> ", Visited));
            var next = new Uri(new Uri(url), response.Headers.Location!).AbsoluteUri;
            response.Dispose();
            url = next;
            Visited.Add(url);
            response = await GetAsync(url);
        }
        return response;
    }

    /// <summary>Fills in and sends the sign-in form of <paramref name="page"/> (loaded from <paramref name="pageUrl"/>).</summary>
    public async Task<HttpResponseMessage> SubmitSignInAsync(string pageUrl, string html, TestUsers.User user)
    {
        var action = FormAction().Match(html);
        var returnUrl = ReturnUrlField().Match(html);
        Assert.True(action.Success && returnUrl.Success, "a sign-in form: " + html[..Math.Min(html.Length, 500)]);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(pageUrl), WebUtility.HtmlDecode(action.Groups[1].Value)))
        {
            Content = new FormUrlEncodedContent(GatewayClient.SignInForm(
                GatewayClient.FormToken(html), user.Username, user.Password, WebUtility.HtmlDecode(returnUrl.Groups[1].Value))),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return await Http.SendAsync(request);
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.Found or HttpStatusCode.SeeOther
        or HttpStatusCode.MovedPermanently or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]*)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();

    public void Dispose() => Http.Dispose();
}
