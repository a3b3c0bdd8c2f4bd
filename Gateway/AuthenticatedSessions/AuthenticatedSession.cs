using System.Collections.Concurrent;
using System.Security.Claims;
using Gateway.Identity;
using Gateway.Sessions;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// One session cookie as this instance authenticated it through the framework's full path: the session it names,
/// the very record instance that authentication read, the user directory version it was checked against, the
/// principal it produced (written down as a <see cref="PrincipalTemplate"/>: each request gets its own copy), that
/// principal's identity headers already encoded, and the policies requests with it have passed. Published on every request it answers as an <see cref="HttpContext"/> feature
/// (<see cref="AuthenticatedSessionHttpContextExtensions.GetAuthenticatedSession"/>).
/// </summary>
/// <remarks>
/// The invariants, stated once here and relied on everywhere else:
/// <list type="number">
/// <item>Immutable but for <see cref="PassedPolicies"/>, <see cref="RenewableUntil"/> (which only moves on) and
/// <see cref="Record"/> (which moves on only to a later record saying the same of who the user is, see renewal below):
/// the principal's template and the header values are those of the authentication that built it. Each request gets a principal of its own
/// (<see cref="CreatePrincipal"/>), so what one request does to it reaches no other; a claims transformation, whose
/// result may depend on more than the principal, switches the cache off (<see cref="AuthenticatedSessionCache"/>).</item>
/// <item>It answers a request only while <see cref="AuthenticatedSessionCache.TryGet"/> finds nothing it depended on
/// changed: the store still vouches for the same record instance (a sign-out, revocation, expiry, slid expiry or
/// re-check replaces or removes it), the user directory is the same version, and no sliding refresh is due.</item>
/// <item>When only the store's word on the record lapsed (its trust window ended, or a slide was due), the session is
/// renewed rather than built again (<see cref="AuthenticatedSessionCache.RenewAsync"/>): the session read as the
/// framework would read it, vouched for by the store, saying the same of who the user is, against the same directory
/// version, yields the very principal the framework would build, so the renewed session is this one, moved on to that
/// record in place (<see cref="TryMoveOn"/>; a new session every slide would be 100 000 long-lived objects a minute).</item>
/// <item>A policy is in <see cref="PassedPolicies"/> only after the framework's authorization admitted a request of
/// this session under it; the gateway's policies depend on the principal alone, so the answer holds for as long as
/// this session does.</item>
/// </list>
/// </remarks>
internal sealed class AuthenticatedSession
{
    // Routes share a handful of policies; the bound only matters should a caller ever pass unbounded names.
    private const int MaxPassedPolicies = 16;

    private string[] _passedPolicies = [];

    private readonly PrincipalTemplate _principal;

    private long _renewableUntilTicks;

    private SessionRecord _record;

    private AuthenticatedSession(
        SessionKey key, SessionRecord record, object directoryVersion, PrincipalTemplate principal, IdentityHeaderValues headers, DateTimeOffset renewableUntil)
    {
        _renewableUntilTicks = renewableUntil.UtcTicks;
        Key = key;
        _record = record;
        DirectoryVersion = directoryVersion;
        _principal = principal;
        Headers = headers;
    }

    /// <summary>The session the framework authenticated, or null when its principal cannot be written down exactly.</summary>
    public static AuthenticatedSession? TryCreate(
        SessionKey key, SessionRecord record, object directoryVersion, ClaimsPrincipal principal, DateTimeOffset renewableUntil = default) =>
        PrincipalTemplate.TryCreate(principal) is { } template
            ? new AuthenticatedSession(key, record, directoryVersion, template, IdentityHeaderValues.Of(principal), renewableUntil)
            : null;

    /// <summary>
    /// This session answering from now on with <paramref name="later"/>, a later record of it that says the same of
    /// who the user is than <paramref name="from"/>, the one it held (<see cref="AuthenticatedSessionCache.RenewAsync"/>):
    /// the principal, the headers and the passed policies depend on nothing else, so they stay.
    /// </summary>
    /// <returns>False when it no longer held <paramref name="from"/> (a concurrent renewal moved it on to another record).</returns>
    public bool TryMoveOn(SessionRecord from, SessionRecord later)
    {
        var seen = Interlocked.CompareExchange(ref _record, later, from);
        return ReferenceEquals(seen, from) || ReferenceEquals(seen, later);
    }

    /// <summary>Until when it may be renewed (<see cref="AuthenticatedSessionCache.RenewAsync"/>); after that it is dropped.</summary>
    public DateTimeOffset RenewableUntil => new(Interlocked.Read(ref _renewableUntilTicks), TimeSpan.Zero);

    /// <summary>Renewed (<see cref="AuthenticatedSessionCache.RenewAsync"/>): renewable for longer, never for less.</summary>
    public void RenewableAgainUntil(DateTimeOffset until)
    {
        var ticks = until.UtcTicks;
        var current = Interlocked.Read(ref _renewableUntilTicks);
        while (ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _renewableUntilTicks, ticks, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    public SessionKey Key { get; }

    /// <summary>
    /// The record instance the authentication read, or the one a renewal moved on to; the session answers only while
    /// the store vouches for this instance.
    /// </summary>
    public SessionRecord Record => Volatile.Read(ref _record);

    /// <summary>The user directory version (<see cref="UserDirectory.Version"/>) the principal was checked against.</summary>
    public object DirectoryVersion { get; }

    /// <summary>The signed-in user as the framework authenticated them: a new principal for each request.</summary>
    public ClaimsPrincipal CreatePrincipal() => _principal.Create();

    /// <summary>The identity headers of the principal, encoded.</summary>
    public IdentityHeaderValues Headers { get; }

    /// <summary>Names of the policies requests with this session were admitted under (case-insensitive, like policy names).</summary>
    public IReadOnlyList<string> PassedPolicies => Volatile.Read(ref _passedPolicies);

    public bool HasPassed(string policy)
    {
        foreach (var passed in Volatile.Read(ref _passedPolicies))
        {
            if (string.Equals(passed, policy, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    // Most sessions pass one policy, the same one: its one-element list is shared (32 bytes a session fewer), for the
    // first few names (routes name a handful; any others get lists of their own).
    private static readonly ConcurrentDictionary<string, string[]> OnlyPolicies = new(StringComparer.Ordinal);

    private static string[] OnlyPolicy(string policy) =>
        OnlyPolicies.TryGetValue(policy, out var shared) ? shared
        : OnlyPolicies.Count < MaxPassedPolicies ? OnlyPolicies.GetOrAdd(policy, static p => [p])
        : [policy];

    /// <summary>Notes that the framework's authorization admitted a request of this session under <paramref name="policy"/>.</summary>
    public void RecordPassed(string policy)
    {
        while (true)
        {
            var current = Volatile.Read(ref _passedPolicies);
            if (HasPassed(policy) || current.Length >= MaxPassedPolicies)
            {
                return;
            }
            string[] passed = current.Length == 0 ? OnlyPolicy(policy) : [.. current, policy];
            if (Interlocked.CompareExchange(ref _passedPolicies, passed, current) == current)
            {
                return;
            }
        }
    }
}

internal static class AuthenticatedSessionHttpContextExtensions
{
    /// <summary>
    /// The request's authenticated session, or null (not signed in, or a request the cache does not answer). The
    /// session itself is the feature, so publishing it allocates nothing.
    /// </summary>
    public static AuthenticatedSession? GetAuthenticatedSession(this HttpContext context) =>
        context.Features.Get<AuthenticatedSession>();
}
