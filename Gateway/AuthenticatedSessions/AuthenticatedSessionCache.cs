using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Gateway.Collections;
using Gateway.Cookies;
using Gateway.Identity;
using Gateway.Sessions;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// This instance's authenticated sessions (<see cref="AuthenticatedSession"/>), keyed by the session cookie's value as
/// the browser sends it: the one place that decides whether a request's cookie may be answered without the
/// framework's authentication and authorization. The key is 128 bits of SHA-256 of the value rather than the value
/// (about 450 characters, 0.9 KB a key): finding another value with the same digest is as hard as breaking SHA-256,
/// and no value gets an entry unless the framework authenticated it.
/// </summary>
/// <remarks>
/// Bounded by what an attacker can send: a value is looked at only in the one form the gateway issues
/// (<see cref="IssuedFormTicketFormat.IsIssuedForm"/>; any other spelling of a valid cookie would be a new key), and an entry is added
/// only after the framework authenticated that very value to a live session, so every key is a cookie the gateway
/// issued. At most <c>capacity</c> entries and <c>maxBytes</c> of estimated memory; past either, entries that can no
/// longer answer go first, then an arbitrary tenth. <see cref="RemoveSpent"/> (run by the sweeper) lets the
/// cache shrink back when sessions go idle.
/// </remarks>
internal sealed class AuthenticatedSessionCache
{
    /// <summary>
    /// Estimated memory of one entry: the entry and its dictionary node, the principal's template, the encoded header
    /// values; each group adds <see cref="BytesPerGroup"/> (its claim in the template, and its share of the header value).
    /// </summary>
    public const int EntryOverheadBytes = 512;

    public const int BytesPerGroup = 48;

    private const int MinSweepSize = 1024;

    private readonly CountedDictionary<UInt128, AuthenticatedSession> _sessions = new();
    private readonly ISessionStore _store;
    private readonly UserDirectory _directory;
    private readonly SlidingExpiry _sliding;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly TimeSpan _renewFor;
    private long _bytes;
    private int _nextSweepAt = MinSweepSize;

    /// <param name="renewFor">
    /// How long after it was built or renewed a session may still be renewed (<see cref="RenewAsync"/>); zero: never.
    /// Only a store that vouches for what it has just read for a while (a <see cref="SessionCache"/> in front of Redis)
    /// can make a renewal's read answer, so it is twice that cache's trust window there (the window the record is
    /// trusted in, then one more to be renewed in), and zero otherwise.
    /// </param>
    public AuthenticatedSessionCache(
        ISessionStore store, UserDirectory directory, SlidingExpiry sliding, TimeProvider time, int capacity, bool enabled,
        long? maxBytes = null, TimeSpan renewFor = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _renewFor = renewFor;
        _store = store;
        _directory = directory;
        _sliding = sliding;
        _time = time;
        _capacity = capacity;
        _maxBytes = maxBytes ?? capacity * (long)(EntryOverheadBytes + 8 * BytesPerGroup);
        Enabled = enabled;
    }

    /// <summary>False when a claims transformation is registered: then every request takes the framework's path.</summary>
    public bool Enabled { get; }

    public int Count => _sessions.Count;

    /// <summary>Estimated memory held by the entries (<see cref="EntryOverheadBytes"/> and <see cref="BytesPerGroup"/>).</summary>
    public long ApproximateBytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// The authenticated session of this cookie value when it may answer a request now: the store still vouches for
    /// the very record it was built from, the user directory is the same version, and no sliding refresh is due.
    /// Allocation-free (the request's principal is made by <see cref="AuthenticatedSession.CreatePrincipal"/>).
    /// </summary>
    public bool TryGet(ReadOnlySpan<char> cookieValue, out AuthenticatedSession session)
    {
        if (TryDigest(cookieValue, out var digest))
        {
            return TryGet(digest, out session);
        }
        session = null!;
        return false;
    }

    /// <summary>The key of a cookie value in this cache: false when the cache is off or the value is not in the issued form.</summary>
    public bool TryDigest(ReadOnlySpan<char> cookieValue, out UInt128 digest)
    {
        if (Enabled && IssuedFormTicketFormat.IsIssuedForm(cookieValue))
        {
            Interlocked.Increment(ref _lookupDigests);
            digest = DigestOf(cookieValue);
            return true;
        }
        digest = default;
        return false;
    }

    /// <summary>Digests computed to look a cookie up (for tests: a connection's repeated header is not digested again).</summary>
    internal long LookupDigests => Interlocked.Read(ref _lookupDigests);

    private long _lookupDigests;

    /// <summary><see cref="TryGet(ReadOnlySpan{char}, out AuthenticatedSession)"/> by the digest <see cref="TryDigest"/> gave.</summary>
    public bool TryGet(UInt128 digest, out AuthenticatedSession session)
    {
        if (Enabled && _sessions.TryGetValue(digest, out session!) && CanAnswer(session))
        {
            return true;
        }
        session = null!;
        return false;
    }

    /// <summary>
    /// The held session of this cookie's digest when it cannot answer now but may be renewed (<see cref="RenewAsync"/>):
    /// it was checked against the current user directory version, and it is not an account of an LDAP or SQL directory
    /// (those have their directory re-checked on the framework's path, <c>DirectoryRecheck</c>).
    /// </summary>
    public bool TryGetRenewable(UInt128 digest, out AuthenticatedSession held)
    {
        if (Enabled && _sessions.TryGetValue(digest, out held!) && IsRenewable(held))
        {
            return true;
        }
        held = null!;
        return false;
    }

    /// <summary>
    /// Renews a held session whose record the store no longer vouches for (its trust window ended) or whose slide is
    /// due, instead of sending its request through the framework's authentication and authorization: reads the session
    /// exactly as the framework's ticket store would (<see cref="SlidingExpiry.ReadAsync"/>: the same shared,
    /// revocation-safe read, the same slide), and when the store now vouches for the very record that read returned,
    /// that record says the same of who the user is as the held one, and the directory is still the version the
    /// session was checked against, the framework would build the same principal and reach the same decisions: the
    /// held session answers, with that record (<see cref="AuthenticatedSession.TryMoveOn"/>).
    /// </summary>
    /// <returns>
    /// Null when the framework's path must decide: the session ended or expired, a revocation raced the read (the store
    /// then vouches for nothing), who the user is or the directory changed, another request replaced the entry or
    /// moved it on to another record, the slid record was another request's to write, or the store did not answer.
    /// </returns>
    public async Task<AuthenticatedSession?> RenewAsync(UInt128 digest, AuthenticatedSession held, CancellationToken cancellationToken)
    {
        var from = held.Record;
        SessionRecord? record;
        try
        {
            record = await _sliding.ReadAsync(_store, held.Key, cancellationToken);
        }
        catch (Exception ex) when (ex is SessionStoreUnavailableException or OperationCanceledException)
        {
            // The framework's path reads again and answers as it does for a store that did not answer.
            return null;
        }
        if (record is null
            || !_store.TryGetVouched(held.Key, out var vouched) || !ReferenceEquals(vouched, record)
            || !ReferenceEquals(_directory.Version, held.DirectoryVersion)
            || !SaysTheSameOfTheUser(record, from))
        {
            return null;
        }
        // Unless the session did not change since it was built or last renewed (the session cache vouches for the
        // instance it held again), it moves on to the later record in place. Then it must still be the entry held:
        // one the framework's path built meanwhile from the same record may have been checked against another
        // directory version (and so be someone with other groups), and is not this renewal's to hand out.
        if (!ReferenceEquals(record, from)
            && (!held.TryMoveOn(from, record) || !_sessions.TryGetValue(digest, out var current) || !ReferenceEquals(current, held)))
        {
            return null;
        }
        held.RenewableAgainUntil(_time.GetUtcNow() + _renewFor);
        Interlocked.Increment(ref _renewals);
        return held;
    }

    /// <summary>Sessions renewed by <see cref="RenewAsync"/> (for tests: a renewed request did not take the framework's path).</summary>
    internal long Renewals => Interlocked.Read(ref _renewals);

    private long _renewals;

    // Everything the principal is built from (SessionTicketStore.ToTicket) but the key, which is the same.
    private static bool SaysTheSameOfTheUser(SessionRecord record, SessionRecord held) =>
        record.SameIdentityAs(held)
        && record.ProviderSessionId == held.ProviderSessionId
        && record.ProviderSubject == held.ProviderSubject;

    /// <summary>
    /// The authenticated session for a cookie value the framework has just authenticated: the one held when it was
    /// built from the same record instance and directory version (the framework's principal is then equivalent to the
    /// one held: it depends on nothing else, claims transformations being excluded), so the policies passed so far
    /// stay; else a new one in its place. Null when the value is not in the issued form, the cache is off, or the
    /// principal cannot be written down exactly (<see cref="PrincipalTemplate"/>): such a session always takes the
    /// framework's path.
    /// </summary>
    public AuthenticatedSession? Add(string cookieValue, SessionKey key, SessionRecord record, object directoryVersion, System.Security.Claims.ClaimsPrincipal principal)
    {
        if (!Enabled || !IssuedFormTicketFormat.IsIssuedForm(cookieValue))
        {
            return null;
        }
        var digest = DigestOf(cookieValue);
        AuthenticatedSession? session = null;
        var roomMade = false;
        // Concurrent first requests of one session agree on one entry: the first one in is kept.
        while (true)
        {
            if (_sessions.TryGetValue(digest, out var held))
            {
                if (ReferenceEquals(held.Record, record) && ReferenceEquals(held.DirectoryVersion, directoryVersion))
                {
                    return held;
                }
                session ??= AuthenticatedSession.TryCreate(key, record, directoryVersion, principal, _time.GetUtcNow() + _renewFor);
                if (session is null)
                {
                    return null;
                }
                if (_sessions.TryUpdate(digest, session, held))
                {
                    Interlocked.Add(ref _bytes, EntryBytes(session) - EntryBytes(held));
                    return session;
                }
                continue;
            }
            session ??= AuthenticatedSession.TryCreate(key, record, directoryVersion, principal, _time.GetUtcNow() + _renewFor);
            if (session is null)
            {
                return null;
            }
            if (!roomMade)
            {
                MakeRoom(EntryBytes(session));
                roomMade = true;
            }
            if (_sessions.TryAdd(digest, session))
            {
                Interlocked.Add(ref _bytes, EntryBytes(session));
                return session;
            }
        }
    }

    /// <summary>Drops every entry that can no longer answer (its record is no longer vouched for, or it is out of date).</summary>
    public void RemoveUnanswerable() => RemoveWhere(session => !CanAnswer(session));

    /// <summary>
    /// Drops every entry that can neither answer nor be renewed (run by the sweeper): a session unused for its renewal
    /// window is gone from memory, so the cache shrinks back when sessions go idle.
    /// </summary>
    public void RemoveSpent() => RemoveWhere(session => !CanAnswer(session) && !IsRenewable(session));

    private void RemoveWhere(Func<AuthenticatedSession, bool> spent)
    {
        foreach (var (digest, session) in _sessions)
        {
            if (spent(session))
            {
                Remove(digest, session);
            }
        }
    }

    private bool CanAnswer(AuthenticatedSession session) =>
        _store.TryGetVouched(session.Key, out var record)
        && ReferenceEquals(record, session.Record)
        && ReferenceEquals(_directory.Version, session.DirectoryVersion)
        && !_sliding.IsRefreshDue(record, _time.GetUtcNow());

    private bool IsRenewable(AuthenticatedSession session) =>
        _renewFor > TimeSpan.Zero
        && _time.GetUtcNow() < session.RenewableUntil
        && ReferenceEquals(_directory.Version, session.DirectoryVersion)
        && session.Record.Directory is null;

    private void MakeRoom(long entryBytes)
    {
        if (Count >= _nextSweepAt)
        {
            // Sweeping again only once the cache has doubled keeps the cost per add constant on average.
            RemoveSpent();
            _nextSweepAt = Math.Min(_capacity, Math.Max(MinSweepSize, Count * 2));
        }
        if (Count < _capacity && ApproximateBytes + entryBytes <= _maxBytes)
        {
            return;
        }
        RemoveUnanswerable();
        var excessCount = Count - _capacity * 9 / 10;
        var excessBytes = ApproximateBytes + entryBytes - _maxBytes * 9 / 10;
        foreach (var (digest, session) in _sessions)
        {
            if (excessCount <= 0 && excessBytes <= 0)
            {
                break;
            }
            if (Remove(digest, session))
            {
                excessCount--;
                excessBytes -= EntryBytes(session);
            }
        }
    }

    private bool Remove(UInt128 digest, AuthenticatedSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<UInt128, AuthenticatedSession>(digest, session)))
        {
            Interlocked.Add(ref _bytes, -EntryBytes(session));
            return true;
        }
        return false;
    }

    private static long EntryBytes(AuthenticatedSession session) => EntryOverheadBytes + (long)BytesPerGroup * session.Record.Groups.Length;

    /// <summary>128 bits of SHA-256 of a value in the issued form (ASCII, at most <see cref="IssuedFormTicketFormat.MaxValueLength"/> characters).</summary>
    private static UInt128 DigestOf(ReadOnlySpan<char> value)
    {
        Span<byte> ascii = stackalloc byte[IssuedFormTicketFormat.MaxValueLength];
        var length = Encoding.ASCII.GetBytes(value, ascii);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(ascii[..length], hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
