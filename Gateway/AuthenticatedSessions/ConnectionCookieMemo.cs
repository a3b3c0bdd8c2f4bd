using Microsoft.AspNetCore.Connections.Features;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// The last <c>Cookie</c> header of one connection whose session cookie was read and digested, kept on the connection
/// (its <see cref="IConnectionItemsFeature"/> items) so that the next request on it skips the header's parse and the
/// SHA-256 of the cookie value. Kestrel hands a request on a keep-alive connection the very string instance of the
/// previous request's header when its bytes are the same (it reuses header strings unless
/// <c>DisableStringReuse</c> is set), so the memo answers only for that instance: the same object, hence the same text.
/// </summary>
/// <remarks>
/// HTTP/1.x only: its requests on one connection run one after another, so the connection's items (a dictionary that
/// is not thread-safe) are touched by one request at a time; HTTP/2 streams run at once, and their headers are not
/// the previous stream's string anyway. The header and its digest are still one immutable pair, replaced whole. One
/// small object per connection that carried a session cookie, dropped with the connection.
/// </remarks>
internal sealed class ConnectionCookieMemo
{
    private static readonly object ItemKey = typeof(ConnectionCookieMemo);

    private Remembered? _last;

    /// <summary>The memo of the request's connection, created on first use; null for HTTP/2 and 3, or when the server offers no connection items.</summary>
    public static ConnectionCookieMemo? Of(HttpContext context)
    {
        var protocol = context.Request.Protocol;
        if (!(HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol))
            || context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return null;
        }
        if (items.TryGetValue(ItemKey, out var held) && held is ConnectionCookieMemo memo)
        {
            return memo;
        }
        memo = new ConnectionCookieMemo();
        items[ItemKey] = memo;
        return memo;
    }

    /// <summary>The digest remembered for this very header instance, if it is the last one remembered.</summary>
    public bool TryRecall(string header, out UInt128 digest)
    {
        if (Volatile.Read(ref _last) is { } last && ReferenceEquals(last.Header, header))
        {
            digest = last.Digest;
            return true;
        }
        digest = default;
        return false;
    }

    public void Remember(string header, UInt128 digest) => Volatile.Write(ref _last, new Remembered(header, digest));

    private sealed record Remembered(string Header, UInt128 Digest);
}
