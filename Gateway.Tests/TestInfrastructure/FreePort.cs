using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.TestInfrastructure;

internal static class FreePort
{
    /// <summary>
    /// A loopback port where nothing listens (TCP port 1, tcpmux, unused here): connections are refused at once. Unlike a
    /// port that was free a moment ago, no parallel test's server can take it meanwhile.
    /// </summary>
    public const int Closed = 1;

    /// <summary>A loopback port that was free a moment ago (for servers that cannot bind port 0 themselves).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
