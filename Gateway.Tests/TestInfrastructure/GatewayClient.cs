using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A browser-like client: a cookie jar, no automatic redirects, and every connection to 127.0.0.1 on the gateway's
/// port whatever the URL's host (.NET does not resolve <c>*.sso.localhost</c>), so the host name travels in <c>Host</c>.
/// </summary>
public sealed partial class GatewayClient : IDisposable
{
    private readonly Func<string, string, string> _url;

    public GatewayClient(GatewayHost gateway)
        : this(gateway.Url)
    {
    }

    /// <summary>A client of a gateway on 127.0.0.1:<paramref name="port"/>, e.g. a <see cref="GatewayProcess"/>.</summary>
    public GatewayClient(int port)
        : this((host, path) => $"http://{host}:{port}{path}")
    {
    }

    private GatewayClient(Func<string, string, string> url)
    {
        _url = url;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = Cookies,
            ConnectCallback = LoopbackConnection.ConnectAsync,
        };
        Http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    /// <summary>A GET as a browser navigation (<c>Accept: text/html</c>) or as an API call.</summary>
    public Task<HttpResponseMessage> GetAsync(string host, string path, bool asBrowser = false, IDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _url(host, path));
        request.Headers.Accept.ParseAdd(asBrowser ? "text/html,application/xhtml+xml,*/*;q=0.8" : "application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return Http.SendAsync(request);
    }

    /// <summary>What an echo backend received, for a request that must reach it.</summary>
    public async Task<EchoedRequest> GetEchoAsync(string host, string path, IDictionary<string, string>? headers = null)
    {
        using var response = await GetAsync(host, path, headers: headers);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200 from {host}{path}, got {(int)response.StatusCode}: {body}");
        return EchoedRequest.Parse(body);
    }

    /// <summary>Loads the sign-in form on <paramref name="host"/> and returns its antiforgery token.</summary>
    public async Task<string> GetSignInTokenAsync(string host, string? returnUrl = null)
    {
        var path = "/_sso/login" + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl));
        using var response = await GetAsync(host, path, asBrowser: true);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"sign-in form: {(int)response.StatusCode} {html}");
        return FormToken(html);
    }

    /// <summary>Signs in through the real form: GET the form, POST it with its antiforgery token.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string host, string username, string password, string? returnUrl = null)
    {
        var token = await GetSignInTokenAsync(host, returnUrl);
        return await PostSignInAsync(host, token, username, password, returnUrl ?? "/");
    }

    public Task<HttpResponseMessage> SignInAsync(string host, TestUsers.User user, string? returnUrl = null) =>
        SignInAsync(host, user.Username, user.Password, returnUrl);

    /// <summary>
    /// Posts the sign-in form with a token fetched earlier (<see cref="GetSignInTokenAsync"/>), for tests that act
    /// between the two: plant a cookie, sign in again, race attempts.
    /// </summary>
    /// <param name="returnUrl">The form's <c>returnUrl</c> field; null leaves the field out.</param>
    public Task<HttpResponseMessage> PostSignInAsync(string host, string token, string username, string password, string? returnUrl = null) =>
        PostFormAsync(host, "/_sso/login", SignInForm(token, username, password, returnUrl));

    public Task<HttpResponseMessage> PostSignInAsync(string host, string token, TestUsers.User user, string? returnUrl = null) =>
        PostSignInAsync(host, token, user.Username, user.Password, returnUrl);

    /// <summary>
    /// The sign-in form's fields as the page posts them, for every test that sends the form itself (another client, a
    /// raw request, another path prefix). A null <paramref name="returnUrl"/> leaves that field out.
    /// </summary>
    public static Dictionary<string, string> SignInForm(string token, string username, string password, string? returnUrl = null)
    {
        var form = new Dictionary<string, string> { ["__antiforgery"] = token, ["username"] = username, ["password"] = password };
        if (returnUrl is not null)
        {
            form["returnUrl"] = returnUrl;
        }
        return form;
    }

    /// <summary>Signs out through the real form on <paramref name="host"/>.</summary>
    public async Task<HttpResponseMessage> SignOutAsync(string host, string? returnUrl = null)
    {
        using var page = await GetAsync(host, "/_sso/logout", asBrowser: true);
        var token = FormToken(await page.Content.ReadAsStringAsync());
        var form = new Dictionary<string, string> { ["__antiforgery"] = token };
        if (returnUrl is not null)
        {
            form["returnUrl"] = returnUrl;
        }
        return await PostFormAsync(host, "/_sso/logout", form);
    }

    public Task<HttpResponseMessage> PostFormAsync(string host, string path, IDictionary<string, string> form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _url(host, path)) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return Http.SendAsync(request);
    }

    /// <summary>The session cookie the jar would send to <paramref name="host"/>, or null.</summary>
    public Cookie? SessionCookie(string host = GatewayHost.App1, string name = "sso_session") =>
        Cookies.GetCookies(new Uri(_url(host, "/"))).FirstOrDefault(c => c.Name == name);

    public static string FormToken(string html)
    {
        var match = TokenField().Match(html);
        Assert.True(match.Success, "the page has an antiforgery field");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__antiforgery\" value=\"([^\"]*)\"")]
    private static partial Regex TokenField();

    public void Dispose() => Http.Dispose();
}

/// <summary>A request as an echo backend saw it.</summary>
public sealed record EchoedRequest(string Backend, string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static EchoedRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var headers = root.GetProperty("headers").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.OrdinalIgnoreCase);
        return new EchoedRequest(root.GetProperty("backend").GetString()!, root.GetProperty("method").GetString()!,
            root.GetProperty("path").GetString()!, headers);
    }
}
