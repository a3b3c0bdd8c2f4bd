using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Connects every request to 127.0.0.1 on the URL's port whatever the URL's host: .NET does not resolve
/// <c>*.sso.localhost</c>, so the host name travels in <c>Host</c> only, as a browser's would.
/// </summary>
internal static class LoopbackConnection
{
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
