using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests <see cref="HttpClient"/> refuses to send (CR/LF in a value, broken bytes)
/// or sends differently (a body the server should refuse before it is complete).
/// </summary>
public static class RawHttp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Sends <paramref name="request"/> as written and reads the answer until the server closes.</summary>
    public static async Task<RawResponse> SendAsync(int port, byte[] request)
    {
        using var client = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(Timeout);
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before taking everything (e.g. an oversized head): read what it said.
        }
        return await ReadToEndAsync(stream, timeout.Token);
    }

    public static Task<RawResponse> SendAsync(int port, string request) => SendAsync(port, Encoding.Latin1.GetBytes(request));

    /// <summary>
    /// Sends a head announcing <paramref name="contentLength"/> bytes, then only the first <paramref name="sent"/>
    /// of them, and reads the answer: it proves the server answers without waiting for the whole body.
    /// </summary>
    public static async Task<RawResponse> SendPartialBodyAsync(int port, string head, long contentLength, int sent)
    {
        using var client = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(Timeout);
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.Replace("{length}", contentLength.ToString())), timeout.Token);
        try
        {
            await stream.WriteAsync(new byte[sent], timeout.Token);
        }
        catch (IOException)
        {
        }
        return await ReadToEndAsync(stream, timeout.Token);
    }

    private static async Task<RawResponse> ReadToEndAsync(NetworkStream stream, CancellationToken cancel)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancel)) > 0)
            {
                received.Write(buffer, 0, read);
                if (RawResponse.TryParseComplete(received.ToArray(), out _))
                {
                    break;
                }
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // Reset after the answer (the server closed with unread request bytes): the answer stands.
        }
        return RawResponse.Parse(received.ToArray());
    }
}

/// <summary>The status line, head and body of a raw HTTP/1.1 response.</summary>
public sealed record RawResponse(int StatusCode, string Head, string Body)
{
    public static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && headEnd > 0, $"an HTTP response, got: '{text}'");
        return new RawResponse(int.Parse(text.AsSpan(9, 3)), text[..headEnd], text[(headEnd + 4)..]);
    }

    /// <summary>True once the head and a Content-Length body (or an empty one) have arrived.</summary>
    public static bool TryParseComplete(byte[] bytes, out RawResponse? response)
    {
        response = null;
        var text = Encoding.Latin1.GetString(bytes);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return false;
        }
        var lengthLine = text[..headEnd].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (lengthLine is null || text.Length - headEnd - 4 < int.Parse(lengthLine["Content-Length:".Length..].Trim()))
        {
            return false;
        }
        response = Parse(bytes);
        return true;
    }
}
