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
/// longer answer go first, then an arbitrary tenth. <see cref="RemoveUnanswerable"/> (run by the sweeper) lets the
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
    private long _bytes;
    private int _nextSweepAt = MinSweepSize;

    public AuthenticatedSessionCache(
        ISessionStore store, UserDirectory directory, SlidingExpiry sliding, TimeProvider time, int capacity, bool enabled, long? maxBytes = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
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
                session ??= AuthenticatedSession.TryCreate(key, record, directoryVersion, principal);
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
            session ??= AuthenticatedSession.TryCreate(key, record, directoryVersion, principal);
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
    public void RemoveUnanswerable()
    {
        foreach (var (digest, session) in _sessions)
        {
            if (!CanAnswer(session))
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

    private void MakeRoom(long entryBytes)
    {
        if (Count >= _nextSweepAt)
        {
            // Sweeping again only once the cache has doubled keeps the cost per add constant on average.
            RemoveUnanswerable();
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
