using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Cookies;

/// <summary>
/// Remembers what a session cookie value stands for on this instance: what it unprotects to, so a browser's repeated
/// requests skip the Data Protection work (key derivation, AES, HMAC, deserialization), and the last successful
/// authentication of it (<see cref="AuthenticatedCookie"/>), which <see cref="SessionCookieHandler"/> reuses while the
/// session record it came from is unchanged. The result of unprotecting a value never changes while its key exists,
/// and the cookie only carries the session id; whether that session is still alive is decided by the store.
/// Bounded: when full, the cache starts over.
/// </summary>
internal sealed class CachingTicketDataFormat : ISecureDataFormat<AuthenticationTicket>
{
    // Re-check now and then so a revoked Data Protection key stops being honoured without a restart.
    private static readonly long LifetimeTicks = TimeSpan.FromMinutes(1).Ticks;
    private const int MinSweepSize = 1024;

    private readonly ISecureDataFormat<AuthenticationTicket> _inner;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, Entry> _unprotected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private int _nextSweepAt = MinSweepSize;

    public CachingTicketDataFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider time, int capacity)
    {
        _inner = inner;
        _time = time;
        _capacity = capacity;
        _bySpan = _unprotected.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Protect(AuthenticationTicket data) => _inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => _inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText) || purpose is not null)
        {
            return _inner.Unprotect(protectedText, purpose);
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
            if (_unprotected.Count >= _capacity)
            {
                _unprotected.Clear();
            }
            _unprotected[protectedText] = new Entry(ticket, now + LifetimeTicks);
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

    private void RemoveExpired(long now)
    {
        foreach (var (value, entry) in _unprotected)
        {
            if (now >= entry.ExpiresTicks)
            {
                _unprotected.TryRemove(new KeyValuePair<string, Entry>(value, entry));
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
