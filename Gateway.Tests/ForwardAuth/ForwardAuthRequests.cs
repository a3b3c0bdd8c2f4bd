using System.Net;
using System.Net.Sockets;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.ForwardAuth;

/// <summary>
/// Asks a gateway's <c>/_sso/auth</c> as another proxy would: the browser's cookie and headers, plus the proxy's own
/// description of the original request, over a socket bound to <paramref name="sourceAddress"/> (any 127.x.y.z is this
/// machine, so "a trusted proxy" and "an untrusted client" are two real source addresses).
/// </summary>
internal sealed class ForwardAuthRequests(GatewayHost gateway, string sourceAddress = "127.0.0.1") : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <param name="query">Query string after <c>/_sso/auth</c>, e.g. <c>?policy=admins</c>.</param>
    /// <param name="cookie">A whole <c>Cookie</c> header, or null.</param>
    public async Task<HttpResponseMessage> AskAsync(
        string query = "", string? cookie = null, IEnumerable<(string Name, string Value)>? headers = null,
        bool asBrowser = true, string host = "auth.sso.localhost", HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, gateway.Url(host, "/_sso/auth" + query));
        request.Headers.Accept.ParseAdd(asBrowser ? "text/html,application/xhtml+xml,*/*;q=0.8" : "application/json");
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await _http.SendAsync(request);
    }

    /// <summary>The <c>returnUrl</c> of a sign-in URL, unescaped.</summary>
    public static string ReturnUrlOf(string loginUrl)
    {
        var query = new Uri(loginUrl).Query;
        const string name = "?returnUrl=";
        Assert.StartsWith(name, query);
        return Uri.UnescapeDataString(query[name.Length..]);
    }

    /// <summary>Signs <paramref name="user"/> in on the gateway itself and returns the <c>Cookie</c> header a browser would send.</summary>
    public static async Task<string> SessionCookieAsync(GatewayHost gateway, TestUsers.User user)
    {
        using var client = gateway.CreateClient();
        (await client.SignInAsync(GatewayHost.App1, user)).Dispose();
        var cookie = client.SessionCookie() ?? throw new InvalidOperationException("no session cookie after sign-in");
        return $"{cookie.Name}={cookie.Value}";
    }

    public void Dispose() => _http.Dispose();
}
