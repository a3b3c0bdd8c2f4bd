using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.LiveConnections;

/// <summary>
/// A proxied WebSocket or server-sent-events stream ends with its session, on whichever instance holds it: sign-out
/// and admin revocation on the other instance (two gateways sharing Redis, a minute of cache trust so only the
/// revocation message can explain it), sign-out on the in-memory store, and idle expiry with no other request.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LiveConnectionTests(RedisServerFixture redis, ITestOutputHelper output) : IAsyncLifetime
{
    // Generous for a loaded test machine; the elapsed time is printed (the aim is under one second).
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    private LiveBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await LiveBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private Dictionary<string, string?> Settings(params (string Key, string Value)[] extra) => TestSettings.Merge(
        new Dictionary<string, string?> { ["ReverseProxy:Clusters:app1:Destinations:d1:Address"] = _backend.Url },
        extra.Select(e => KeyValuePair.Create(e.Key, (string?)e.Value)));

    [Fact]
    public async Task WebSocketOnB_IsClosed_WhenTheSessionSignsOutOnA()
    {
        await using var instances = await TwoInstances.StartAsync(redis, Settings(("Sso:SessionCacheDuration", "00:01:00")));
        using var alice = instances.A.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var socket = await OpenWebSocketAsync(instances.B, alice);

        (await alice.SignOutAsync(GatewayHost.App1)).Dispose();

        var elapsed = await ClosedWithinAsync(socket);
        output.WriteLine($"closed {elapsed.TotalMilliseconds:0} ms after the sign-out answered");
    }

    [Fact]
    public async Task EventStreamOnB_Ends_WhenAnAdminRevokesTheUserOnA()
    {
        await using var instances = await TwoInstances.StartAsync(redis, Settings(
            ("Sso:SessionCacheDuration", "00:01:00"), ("Sso:AdminPolicy", "admins"), ("Sso:LoginHost", GatewayHost.Login)));
        using var bob = instances.B.CreateClient();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        using var stream = await OpenEventStreamAsync(instances.B, bob);
        using var admin = instances.A.CreateClient();
        (await admin.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, instances.A.Url(GatewayHost.Login, "/_sso/admin/users/bob/sessions"));
        revoke.Headers.Accept.ParseAdd("application/json");
        using (var response = await admin.Http.SendAsync(revoke))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var elapsed = await EndsWithinAsync(stream);
        output.WriteLine($"ended {elapsed.TotalMilliseconds:0} ms after the revocation answered");
    }

    [Fact]
    public async Task WebSocket_IsClosed_WhenTheSessionSignsOut_OnTheInMemoryStore()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var alice = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var socket = await OpenWebSocketAsync(gateway, alice);

        (await alice.SignOutAsync(GatewayHost.App1)).Dispose();

        var elapsed = await ClosedWithinAsync(socket);
        output.WriteLine($"closed {elapsed.TotalMilliseconds:0} ms after the sign-out answered");
    }

    [Fact]
    public async Task WebSocket_IsClosed_WhenTheSessionExpires_AndNotBefore()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings(("Sso:IdleTimeout", "00:00:03"), ("Sso:AbsoluteTimeout", "00:00:03")));
        using var alice = gateway.CreateClient();
        var signedInAt = Stopwatch.StartNew();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        using var socket = await OpenWebSocketAsync(gateway, alice);

        var elapsed = await ClosedWithinAsync(socket, TimeSpan.FromSeconds(8));
        output.WriteLine($"closed {signedInAt.Elapsed.TotalMilliseconds:0} ms after sign-in began (session lifetime 3 s)");
        Assert.True(signedInAt.Elapsed >= TimeSpan.FromSeconds(2.9), $"closed after {signedInAt.Elapsed}, before the session ended");
    }

    [Fact]
    public async Task UnrelatedSessionEnding_LeavesTheWebSocketOpen()
    {
        await using var gateway = await GatewayHost.StartAsync(Settings());
        using var alice = gateway.CreateClient();
        using var bob = gateway.CreateClient();
        (await alice.SignInAsync(GatewayHost.App1, TestUsers.Alice)).Dispose();
        (await bob.SignInAsync(GatewayHost.App1, TestUsers.Bob)).Dispose();
        using var socket = await OpenWebSocketAsync(gateway, alice);

        (await bob.SignOutAsync(GatewayHost.App1)).Dispose();
        await Task.Delay(LiveConnectionsSweep * 3); // three sweeps: what would close it has had its chance

        Assert.Equal("still here", await EchoAsync(socket, "still here"));
    }

    private static readonly TimeSpan LiveConnectionsSweep = TimeSpan.FromMilliseconds(250);

    private static async Task<ClientWebSocket> OpenWebSocketAsync(GatewayHost gateway, GatewayClient browser)
    {
        var socket = new ClientWebSocket();
        var cookie = browser.SessionCookie()!;
        socket.Options.SetRequestHeader("Cookie", $"{cookie.Name}={cookie.Value}");
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { ConnectCallback = LoopbackConnection.ConnectAsync });
        await socket.ConnectAsync(new Uri($"ws://{GatewayHost.App1}:{gateway.Port}/ws"), invoker, CancellationToken.None);
        Assert.Equal("hello", await EchoAsync(socket, "hello"));
        return socket;
    }

    private static async Task<string> EchoAsync(ClientWebSocket socket, string text)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>Waits until the socket is closed or broken; fails after the deadline.</summary>
    private static async Task<TimeSpan> ClosedWithinAsync(ClientWebSocket socket, TimeSpan? deadline = null)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(deadline ?? Deadline);
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, timeout.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (WebSocketException)
        {
            // The connection was aborted: closed.
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"the WebSocket was still open after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        return clock.Elapsed;
    }

    private static async Task<Stream> OpenEventStreamAsync(GatewayHost gateway, GatewayClient browser)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, gateway.Url(GatewayHost.App1, "/events"));
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await browser.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        Assert.True(await stream.ReadAsync(buffer) > 0, "the stream sends events");
        return stream;
    }

    /// <summary>Reads the event stream until it ends or breaks; fails after the deadline.</summary>
    private static async Task<TimeSpan> EndsWithinAsync(Stream stream)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(Deadline);
        var buffer = new byte[256];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"the event stream was still open after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        return clock.Elapsed;
    }
}
