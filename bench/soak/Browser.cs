using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Soak;

/// <summary>One person's browser: a cookie jar shared by both instances (as behind a load balancer).</summary>
internal sealed partial class Browser(string? user) : IDisposable
{
    private readonly CookieContainer _cookies = new();
    private HttpClient? _http;

    /// <summary>The signed-in user, or null for an anonymous visitor.</summary>
    public string? User { get; } = user;

    /// <summary>Set when a sign-out was sent: from then on a 401 is expected.</summary>
    public bool SigningOut { get; set; }

    /// <summary>Set when a sign-out succeeded: no request sent after this may reach a backend as this user.</summary>
    public DateTime? SignedOutAt { get; set; }

    public HttpClient Http => _http ??= new HttpClient(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        CookieContainer = _cookies,
        MaxConnectionsPerServer = 4,
        ConnectCallback = async (context, token) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, token);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { Timeout = TimeSpan.FromSeconds(30) };

    public void AddForgedCookie(int port) =>
        _cookies.Add(new Uri($"http://{SoakRig.App}:{port}/"), new Cookie("sso_session", "CfDJ8forged" + Guid.NewGuid().ToString("N")));

    public async Task<HttpStatusCode> SignInAsync(int port, string password)
    {
        var token = await FormTokenAsync(port, "/_sso/login");
        using var response = await Http.PostAsync(Url(port, "/_sso/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__antiforgery"] = token, ["username"] = User!, ["password"] = password, ["returnUrl"] = "/",
        }));
        return response.StatusCode;
    }

    public async Task<HttpStatusCode> SignOutAsync(int port)
    {
        var token = await FormTokenAsync(port, "/_sso/logout");
        using var response = await Http.PostAsync(Url(port, "/_sso/logout"), new FormUrlEncodedContent(new Dictionary<string, string> { ["__antiforgery"] = token }));
        return response.StatusCode;
    }

    /// <returns>The status and, for a 200 from the echo backend, the user it was told about (null: none).</returns>
    public async Task<(HttpStatusCode Status, string? ForwardedUser)> GetAsync(int port, string path, bool spoof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(port, path));
        request.Headers.Accept.ParseAdd("application/json");
        if (spoof)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-User", "mallory");
            request.Headers.TryAddWithoutValidation("X-Sso-User", "mallory");
        }
        using var response = await Http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("headers").TryGetProperty("X-Forwarded-User", out var forwarded)
            ? (response.StatusCode, forwarded.GetString())
            : (response.StatusCode, null);
    }

    private async Task<string> FormTokenAsync(int port, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(port, path));
        request.Headers.Accept.ParseAdd("text/html");
        using var page = await Http.SendAsync(request);
        var match = TokenField().Match(await page.Content.ReadAsStringAsync());
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : "";
    }

    private static string Url(int port, string path) => $"http://{SoakRig.App}:{port}{path}";

    [GeneratedRegex("name=\"__antiforgery\" value=\"([^\"]*)\"")]
    private static partial Regex TokenField();

    public void Dispose() => _http?.Dispose();
}
