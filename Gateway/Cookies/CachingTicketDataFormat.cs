using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Cookies;

/// <summary>
/// Remembers what a session cookie value stands for on this instance: what it unprotects to, so a browser's repeated
/// requests skip the Data Protection work (key derivation, AES, HMAC, deserialization), and the last successful
/// authentication of it (<see cref="AuthenticatedCookie"/>), which <see cref="SessionCookieHandler"/> reuses while the
/// session record it came from is unchanged. The result of unprotecting a value never changes while its key exists,
/// and the cookie only carries the session id; whether that session is still alive is decided by the store.
/// </summary>
/// <remarks>
/// Bounded by what an attacker can send: only values in the one form the gateway issues (base64url, no padding, no
/// whitespace, at most <see cref="MaxValueLength"/> characters) are looked at; anything else is refused without being
/// unprotected or remembered, although Data Protection's decoder would ignore whitespace and padding (a valid value
/// padded with <c>%20</c> would otherwise be a new cache key each time). Only values that unprotect are kept, so every
/// key is a cookie the gateway issued. At most <c>capacity</c> entries and <c>maxBytes</c> of estimated memory
/// (<see cref="ApproximateBytes"/>); when either is reached the cache starts over.
/// </remarks>
internal sealed class CachingTicketDataFormat : ISecureDataFormat<AuthenticationTicket>
{
    // Re-check now and then so a revoked Data Protection key stops being honoured without a restart.
    private static readonly long LifetimeTicks = TimeSpan.FromMinutes(1).Ticks;
    private const int MinSweepSize = 1024;

    /// <summary>Longest cookie value looked at. The gateway's own values are about 450 characters.</summary>
    public const int MaxValueLength = 1024;

    /// <summary>
    /// Estimated memory of one entry besides its key: the unprotected ticket (≈1.3 KB measured), the entry and its
    /// dictionary node, and a remembered authentication (a principal and its result).
    /// </summary>
    public const int EntryOverheadBytes = 4096;

    private static readonly SearchValues<char> Base64UrlChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly ISecureDataFormat<AuthenticationTicket> _inner;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly long _maxBytes;
    private long _bytes;
    private readonly ConcurrentDictionary<string, Entry> _unprotected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private int _nextSweepAt = MinSweepSize;

    public CachingTicketDataFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider time, int capacity, long? maxBytes = null)
    {
        _inner = inner;
        _time = time;
        _capacity = capacity;
        _maxBytes = maxBytes ?? capacity * (long)(EntryOverheadBytes + 2 * 512);
        _bySpan = _unprotected.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Protect(AuthenticationTicket data) => _inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => _inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    /// <summary>Entries held now.</summary>
    public int Count => _unprotected.Count;

    /// <summary>Estimated memory held by the entries: their keys plus <see cref="EntryOverheadBytes"/> each.</summary>
    public long ApproximateBytes => Interlocked.Read(ref _bytes);

    /// <summary>True for a value in the one form the gateway issues; anything else is refused unread.</summary>
    public static bool IsIssuedForm(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= MaxValueLength && !value.ContainsAnyExcept(Base64UrlChars);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText) || purpose is not null)
        {
            return _inner.Unprotect(protectedText, purpose);
        }
        if (!IsIssuedForm(protectedText))
        {
            return null;
        }
        var now = _time.GetUtcNow().UtcTicks;
        if (_unprotected.TryGetValue(protectedText, out var entry) && now < entry.ExpiresTicks)
        {
            entry.SeenAgain = true;
            return entry.Ticket;
        }
        var ticket = _inner.Unprotect(protectedText);
        if (ticket is not null)
        {
            if (_unprotected.Count >= _nextSweepAt)
            {
                RemoveExpired(now);
                _nextSweepAt = Math.Max(MinSweepSize, _unprotected.Count * 2);
            }
            var size = EntryBytes(protectedText);
            if (_unprotected.Count >= _capacity || ApproximateBytes + size > _maxBytes)
            {
                Clear();
            }
            Add(protectedText, new Entry(ticket, now + LifetimeTicks));
        }
        return ticket;
    }

    /// <summary>The last authentication of this cookie value, while its unprotected form may still be trusted.</summary>
    public bool TryGetAuthenticated(ReadOnlySpan<char> cookieValue, out AuthenticatedCookie authenticated)
    {
        if (_bySpan.TryGetValue(cookieValue, out var entry)
            && Volatile.Read(ref entry.Authenticated) is { } last
            && _time.GetUtcNow().UtcTicks < entry.ExpiresTicks)
        {
            authenticated = last;
            return true;
        }
        authenticated = null!;
        return false;
    }

    /// <summary>
    /// Records a successful authentication of a value this cache unprotected and has seen again since (others are
    /// ignored): a browser's second request makes its later ones cheap, while cookies seen once, e.g. a crawl over many
    /// sessions, do not fill memory with results nobody asks for again.
    /// </summary>
    public void Remember(string cookieValue, AuthenticatedCookie authenticated)
    {
        if (_unprotected.TryGetValue(cookieValue, out var entry) && entry.SeenAgain)
        {
            Volatile.Write(ref entry.Authenticated, authenticated);
        }
    }

    private static long EntryBytes(string value) => EntryOverheadBytes + 2L * value.Length;

    private void Add(string value, Entry entry)
    {
        // The factory called last belongs to the write that took effect.
        var replaced = false;
        _unprotected.AddOrUpdate(value, _ =>
        {
            replaced = false;
            return entry;
        }, (_, _) =>
        {
            replaced = true;
            return entry;
        });
        if (!replaced)
        {
            Interlocked.Add(ref _bytes, EntryBytes(value));
        }
    }

    private void Clear()
    {
        foreach (var value in _unprotected.Keys)
        {
            Remove(value, null);
        }
    }

    private void Remove(string value, Entry? entry)
    {
        var removed = entry is null
            ? _unprotected.TryRemove(value, out _)
            : _unprotected.TryRemove(new KeyValuePair<string, Entry>(value, entry));
        if (removed)
        {
            Interlocked.Add(ref _bytes, -EntryBytes(value));
        }
    }

    private void RemoveExpired(long now)
    {
        foreach (var (value, entry) in _unprotected)
        {
            if (now >= entry.ExpiresTicks)
            {
                Remove(value, entry);
            }
        }
    }

    private sealed class Entry(AuthenticationTicket ticket, long expiresTicks)
    {
        public readonly AuthenticationTicket Ticket = ticket;
        public readonly long ExpiresTicks = expiresTicks;
        public AuthenticatedCookie? Authenticated;
        public bool SeenAgain;
    }
}
