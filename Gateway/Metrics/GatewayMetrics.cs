using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Sessions;
using Yarp.ReverseProxy.Model;

namespace Gateway.Metrics;

/// <summary>
/// The gateway's own meter (<see cref="MeterName"/>) and its instruments, one method per event. Every tag value is a
/// constant of the code or a configured name (a YARP route id, a route pattern): never a user name, session id or handle,
/// cookie, client address or raw path, so the number of series is bounded by the code and the configuration. Without a
/// listener (<c>Sso:Metrics:Enabled</c> false) every call costs one field check, and a request the two increments of
/// its active count. The counters are allocation-free: tags are string constants passed as
/// <see cref="KeyValuePair{TKey,TValue}"/>s, never arrays; requests are counted in plain fields read at scrape time.
/// </summary>
/// <remarks>
/// Names follow OpenTelemetry's conventions; the Prometheus exporter turns <c>.</c> into <c>_</c>, adds the unit
/// (<c>_seconds</c>) and <c>_total</c> for counters: <c>ssogateway.sign_ins</c> is scraped as <c>ssogateway_sign_ins_total</c>.
/// </remarks>
internal sealed class GatewayMetrics
{
    public const string MeterName = "SsoGateway";

    /// <summary>Sign-in methods (the <c>method</c> tag).</summary>
    public const string Password = "password", Provider = "oidc";

    /// <summary>Why a session ended (the <c>reason</c> tag of <c>ssogateway.sessions.ended</c>).</summary>
    public const string SignOut = "sign_out", Idle = "idle", Absolute = "absolute", Revoked = "revoked", Directory = "directory";

    private static readonly string[] EndReasons = [SignOut, Idle, Absolute, Revoked, Directory];

    /// <summary>Session-store operations (the <c>operation</c> tag).</summary>
    public static readonly string[] StoreOperations =
        ["get", "create", "touch", "delete", "list", "delete_by_user", "delete_by_handle", "delete_by_provider_session", "ping"];

    private static readonly KeyValuePair<string, object?>[] HitTag = [new("result", "hit")], MissTag = [new("result", "miss")];

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    // Seconds: a Redis round trip on a LAN is well under a millisecond; Sso:StoreTimeout defaults to 2 s.
    private static readonly double[] StoreBuckets = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Counter<long> _signIns;
    private readonly Counter<long> _lockouts;
    private readonly Counter<long> _sessionsStarted;
    private readonly Counter<long> _sessionsEnded;
    private readonly Histogram<double> _storeDuration;
    private readonly Counter<long> _storeErrors;
    private readonly ObservableCounter<long> _requests;
    private readonly ConcurrentDictionary<string, long[]> _requestsByRoute = new(StringComparer.Ordinal);
    private long _activeRequests;
    private readonly Lazy<SessionCache?> _cache;
    private readonly Lazy<RedisStoreCircuit?> _circuit;

    public GatewayMetrics(IMeterFactory meters, IServiceProvider services)
    {
        // Read at scrape time only; absent with the in-memory store (no cache, no circuit) or Sso:SessionCacheDuration 0.
        _cache = new Lazy<SessionCache?>(services.GetService<SessionCache>);
        _circuit = new Lazy<RedisStoreCircuit?>(services.GetService<RedisStoreCircuit>);

        var meter = meters.Create(MeterName);
        _signIns = meter.CreateCounter<long>("ssogateway.sign_ins", "{sign_in}",
            "Sign-in attempts answered, by method (password, oidc), outcome (success, failure, refused, locked_out, unavailable) and reason kind");
        _lockouts = meter.CreateCounter<long>("ssogateway.lockouts", "{lockout}",
            "Lockouts begun: a username's or a client address's failures passed Sso:Lockout:MaxFailures within the window (locked_by)");
        _sessionsStarted = meter.CreateCounter<long>("ssogateway.sessions.started", "{session}",
            "Sessions created by a sign-in, by method");
        _sessionsEnded = meter.CreateCounter<long>("ssogateway.sessions.ended", "{session}",
            "Sessions ended as this gateway observed it, by reason (sign_out, idle, absolute, revoked, directory)");
        _storeDuration = meter.CreateHistogram("ssogateway.session_store.duration", "s",
            "Session-store calls that got an answer, by operation", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StoreBuckets });
        _storeErrors = meter.CreateCounter<long>("ssogateway.session_store.errors", "{error}",
            "Session-store calls that failed, by operation and error (timeout, connection, circuit_open)");
        // Requests are counted in plain fields and read at scrape time: an instrument's measurement per request (the SDK
        // finds the series by its tags, then adds) cost a proxied request about 0.4 % of its CPU; an increment costs
        // nothing measurable.
        _requests = meter.CreateObservableCounter("ssogateway.requests", ObserveRequests, "{request}",
            "Requests answered, by route (YARP route id, the gateway's own route pattern, or none) and status class");
        meter.CreateObservableUpDownCounter("ssogateway.requests.active", () => Volatile.Read(ref _activeRequests), "{request}",
            "Requests being answered now (from the request log's start to its line)");
        meter.CreateObservableCounter("ssogateway.session_cache.lookups", ObserveCacheLookups, "{lookup}",
            "Session lookups answered from this instance's cache (hit) or that had to ask Redis (miss)");
        meter.CreateObservableGauge("ssogateway.session_cache.entries", ObserveCacheEntries, "{session}",
            "Sessions in this instance's cache");
        meter.CreateObservableGauge("ssogateway.session_store.circuit_open", ObserveCircuitOpen, "1",
            "1 while the Redis store circuit is open (calls fail at once until a PING is answered), else 0");
        meter.CreateObservableCounter("ssogateway.session_store.circuit_openings", ObserveCircuitOpenings, "{opening}",
            "Times the Redis store circuit opened");
    }

    public void SignInSucceeded(string method)
    {
        _signIns.Add(1, new("method", method), new("outcome", "success"), new("reason", "none"));
        _sessionsStarted.Add(1, new KeyValuePair<string, object?>("method", method));
    }

    /// <param name="reason">A constant reason kind (e.g. <c>wrong-password</c>), never text from the request.</param>
    public void SignInFailed(string method, string reason) =>
        _signIns.Add(1, new("method", method), new("outcome", "failure"), new("reason", reason));

    /// <summary>An identity the provider vouched for, refused by the gateway's rules (403).</summary>
    public void SignInRefused(string method, string reason) =>
        _signIns.Add(1, new("method", method), new("outcome", "refused"), new("reason", reason));

    /// <param name="lockedBy"><c>username</c>, <c>address</c> or <c>username_and_address</c>.</param>
    public void SignInLockedOut(string lockedBy) =>
        _signIns.Add(1, new("method", Password), new("outcome", "locked_out"), new("reason", lockedBy));

    /// <param name="reason"><c>busy</c> (too many password checks waiting) or <c>directory_unavailable</c>.</param>
    public void SignInUnavailable(string reason) =>
        _signIns.Add(1, new("method", Password), new("outcome", "unavailable"), new("reason", reason));

    /// <param name="lockedBy"><c>username</c> or <c>address</c>.</param>
    public void LockoutBegan(string lockedBy) => _lockouts.Add(1, new KeyValuePair<string, object?>("locked_by", lockedBy));

    /// <param name="reason">One of <see cref="SignOut"/>, <see cref="Idle"/>, <see cref="Absolute"/>, <see cref="Revoked"/>, <see cref="Directory"/>.</param>
    public void SessionsEnded(string reason, int count = 1)
    {
        if (count > 0)
        {
            _sessionsEnded.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>An expired session the store dropped: absolute when its absolute expiry has passed, else idle.</summary>
    public void SessionExpired(SessionRecord record, DateTimeOffset now) =>
        SessionsEnded(now >= record.AbsoluteExpiresAt ? Absolute : Idle);

    /// <summary>A store call that got an answer, <paramref name="startedTimestamp"/> from <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void StoreAnswered(string operation, long startedTimestamp)
    {
        if (_storeDuration.Enabled)
        {
            _storeDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    public void StoreFailed(string operation, SessionStoreUnavailableException failure) =>
        _storeErrors.Add(1, new("operation", operation), new("error", failure.InnerException switch
        {
            null => "circuit_open",
            TimeoutException => "timeout",
            _ => "connection",
        }));

    /// <summary>Called once per request by the request log as it starts; <see cref="RequestCompleted"/> ends it.</summary>
    public void RequestStarted() => Interlocked.Increment(ref _activeRequests);

    /// <summary>Called once per request by the request log, with the status the client got.</summary>
    public void RequestCompleted(HttpContext context, int status)
    {
        Interlocked.Decrement(ref _activeRequests);
        if (!_requests.Enabled)
        {
            return;
        }
        var endpoint = context.GetEndpoint();
        // YARP puts its route on the endpoint, so 401/403 answers of a proxied route count under its id too.
        var route = endpoint?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId
            ?? (endpoint as RouteEndpoint)?.RoutePattern.RawText
            ?? "none";
        // Bounded: route ids and patterns come from the configuration and the code, never from the request.
        var counts = _requestsByRoute.GetOrAdd(route, static _ => new long[StatusClasses.Length + 1]);
        Interlocked.Increment(ref counts[status is >= 100 and < 600 ? status / 100 - 1 : StatusClasses.Length]);
    }

    private IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var (route, counts) in _requestsByRoute)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                // A series appears with its first request, as a counter's would.
                if (Volatile.Read(ref counts[i]) is > 0 and var count)
                {
                    yield return new(count, new("route", route), new("status_class", i < StatusClasses.Length ? StatusClasses[i] : "other"));
                }
            }
        }
    }

    /// <summary>
    /// Series that exist before their first event, at zero, so that a dashboard or alert sees 0 rather than nothing and
    /// <c>rate()</c> counts the first event. Called once the exporter listens.
    /// </summary>
    public void InitializeSeries()
    {
        foreach (var reason in EndReasons)
        {
            _sessionsEnded.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
        foreach (var by in new[] { "username", "address" })
        {
            _lockouts.Add(0, new KeyValuePair<string, object?>("locked_by", by));
        }
        _signIns.Add(0, new("method", Password), new("outcome", "success"), new("reason", "none"));
        _signIns.Add(0, new("method", Password), new("outcome", "failure"), new("reason", "wrong-password"));
        _sessionsStarted.Add(0, new KeyValuePair<string, object?>("method", Password));
        foreach (var operation in StoreOperations)
        {
            _storeErrors.Add(0, new("operation", operation), new("error", "timeout"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveCacheLookups() => _cache.Value is { } cache
        ? [new(cache.Hits, HitTag), new(cache.Misses, MissTag)]
        : [];

    private IEnumerable<Measurement<int>> ObserveCacheEntries() => _cache.Value is { } cache ? [new(cache.Count)] : [];

    private IEnumerable<Measurement<int>> ObserveCircuitOpen() => _circuit.Value is { } circuit ? [new(circuit.IsOpen ? 1 : 0)] : [];

    private IEnumerable<Measurement<long>> ObserveCircuitOpenings() => _circuit.Value is { } circuit ? [new(circuit.Openings)] : [];
}
