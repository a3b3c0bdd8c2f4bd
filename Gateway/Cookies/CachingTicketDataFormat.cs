using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Cookies;

/// <summary>
/// Remembers what a session cookie value unprotects to, so a browser's repeated requests skip the Data Protection
/// work (key derivation, AES, HMAC, deserialization). The result of unprotecting a value never changes while its
/// key exists, and the cookie only carries the session id; whether that session is still alive is decided by the
/// store on every request. Bounded: when full, the cache starts over.
/// </summary>
internal sealed class CachingTicketDataFormat(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider time, int capacity)
    : ISecureDataFormat<AuthenticationTicket>
{
    // Re-check now and then so a revoked Data Protection key stops being honoured without a restart.
    private static readonly long LifetimeTicks = TimeSpan.FromMinutes(1).Ticks;
    private const int MinSweepSize = 1024;

    private int _nextSweepAt = MinSweepSize;

    private readonly ConcurrentDictionary<string, Entry> _unprotected = new(StringComparer.Ordinal);

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (string.IsNullOrEmpty(protectedText) || purpose is not null)
        {
            return inner.Unprotect(protectedText, purpose);
        }
        var now = time.GetUtcNow().UtcTicks;
        if (_unprotected.TryGetValue(protectedText, out var entry) && now < entry.ExpiresTicks)
        {
            return entry.Ticket;
        }
        var ticket = inner.Unprotect(protectedText);
        if (ticket is not null)
        {
            if (_unprotected.Count >= _nextSweepAt)
            {
                RemoveExpired(now);
                _nextSweepAt = Math.Max(MinSweepSize, _unprotected.Count * 2);
            }
            if (_unprotected.Count >= capacity)
            {
                _unprotected.Clear();
            }
            _unprotected[protectedText] = new Entry(ticket, now + LifetimeTicks);
        }
        return ticket;
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

    private sealed record Entry(AuthenticationTicket Ticket, long ExpiresTicks);
}
