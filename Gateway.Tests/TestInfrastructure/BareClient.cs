using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A client without a cookie jar and without redirects: every <c>Cookie</c> header is the test's own (to replay an
/// old cookie, send a tampered one, or send a cookie a browser would keep to itself), and every <c>Set-Cookie</c> is
/// left in the response for the test to read. Connects to 127.0.0.1 whatever the URL's host, like <see cref="GatewayClient"/>.
/// </summary>
public sealed class BareClient : IDisposable
{
    private readonly GatewayHost _gateway;

    public BareClient(GatewayHost gateway)
    {
        _gateway = gateway;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = LoopbackConnection.ConnectAsync,
        };
        Http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    /// <summary>A request to <paramref name="host"/> carrying exactly <paramref name="cookie"/> (a whole <c>Cookie</c> header value).</summary>
    public HttpRequestMessage Request(HttpMethod method, string host, string path, string? cookie = null, bool asBrowser = false)
    {
        var request = new HttpRequestMessage(method, _gateway.Url(host, path));
        request.Headers.Accept.ParseAdd(asBrowser ? "text/html,application/xhtml+xml,*/*;q=0.8" : "application/json");
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }
        return request;
    }

    public async Task<HttpResponseMessage> GetAsync(string host, string path, string? cookie = null, bool asBrowser = false)
    {
        using var request = Request(HttpMethod.Get, host, path, cookie, asBrowser);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => Http.SendAsync(request);

    public void Dispose() => Http.Dispose();
}
