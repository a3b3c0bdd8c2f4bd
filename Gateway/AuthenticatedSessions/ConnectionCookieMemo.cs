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

    /// <summary>The digest remembered on the request's connection for this very header instance, if it is the last one remembered.</summary>
    public static bool TryRecall(HttpContext context, string header, out UInt128 digest)
    {
        if (ItemsOf(context) is { } items && items.TryGetValue(ItemKey, out var held) && held is ConnectionCookieMemo memo
            && Volatile.Read(ref memo._last) is { } last && ReferenceEquals(last.Header, header))
        {
            digest = last.Digest;
            return true;
        }
        digest = default;
        return false;
    }

    /// <summary>Remembers a header and its digest on the request's connection (the memo is made on the first one).</summary>
    public static void Remember(HttpContext context, string header, UInt128 digest)
    {
        if (ItemsOf(context) is not { } items)
        {
            return;
        }
        if (!items.TryGetValue(ItemKey, out var held) || held is not ConnectionCookieMemo memo)
        {
            items[ItemKey] = memo = new ConnectionCookieMemo();
        }
        Volatile.Write(ref memo._last, new Remembered(header, digest));
    }

    // Null for HTTP/2 and 3, or when the server offers no connection items.
    private static IDictionary<object, object?>? ItemsOf(HttpContext context)
    {
        var protocol = context.Request.Protocol;
        return HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol)
            ? context.Features.Get<IConnectionItemsFeature>()?.Items
            : null;
    }

    private sealed record Remembered(string Header, UInt128 Digest);
}
