using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Collections;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace Gateway.Observability;

/// <summary>
/// The request line (<see cref="RequestLogMiddleware"/>'s one event per request): built by <see cref="Create"/> with
/// as few allocations as Serilog allows (one dictionary of the right size, shared values for methods, statuses, routes),
/// and written straight to UTF-8 as the very JSON object <see cref="RenderedCompactJsonFormatter"/> writes for it (same members, order, values and escaping).
/// It is written for every request, on the core that serves them: Serilog's general formatter (template rendering,
/// a hash of the template per event, char-by-char escaping into a <see cref="TextWriter"/>, then UTF-8 encoding) cost
/// about as much as the gateway's whole session check (bench/README.md). Any event that is not exactly the request
/// line as the middleware builds it (an exception attached, a property added by a configured enricher, a value of
/// another type) is left to the general formatter.
/// </summary>
internal static class RequestLogLine
{
    public static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "HTTP {RequestMethod:l} {RequestHost:l}{RequestPath:l} responded {StatusCode} in {Elapsed:0.0} ms user {User:l} route {RouteId:l}");

    private const int PropertyCount = 8; // the template's seven and SourceContext

    private const int MaxSharedRoutes = 1024;

    /// <summary>The SourceContext a logger made with <c>ForContext&lt;RequestLogMiddleware&gt;()</c> adds (it adds none when present).</summary>
    private static readonly ScalarValue SourceContext = new(typeof(RequestLogMiddleware).FullName);

    private static readonly ScalarValue NoUser = new("-");

    private static readonly ScalarValue[] Statuses = Enumerable.Range(100, 500).Select(status => new ScalarValue(status)).ToArray();

    private static readonly Dictionary<string, ScalarValue> Methods = new[]
    {
        HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Options,
        HttpMethods.Patch, HttpMethods.Connect, HttpMethods.Trace,
    }.ToDictionary(method => method, method => new ScalarValue(method), StringComparer.Ordinal);

    // Route ids and endpoint names come from configuration, not from requests; the bound only guards against a surprise.
    private static readonly CountedDictionary<string, ScalarValue> Routes = new(StringComparer.Ordinal);

    /// <summary>The request line's event; its properties are those <see cref="TryWrite"/> expects, in the template's order.</summary>
    public static LogEvent Create(
        LogEventLevel level, Exception? exception, string method, string host, string path, int status, double elapsed, string? user, string route)
    {
        var properties = new Dictionary<string, LogEventPropertyValue>(PropertyCount)
        {
            ["RequestMethod"] = Methods.GetValueOrDefault(method) ?? new ScalarValue(method),
            ["RequestHost"] = new ScalarValue(host),
            ["RequestPath"] = new ScalarValue(path),
            ["StatusCode"] = status is >= 100 and < 600 ? Statuses[status - 100] : new ScalarValue(status),
            ["Elapsed"] = new ScalarValue(elapsed),
            ["User"] = user is null ? NoUser : new ScalarValue(user),
            ["RouteId"] = RouteValue(route),
            ["SourceContext"] = SourceContext,
        };
        var activity = Activity.Current;
        // Serilog's constructors copy the properties into a dictionary grown one property at a time (three arrays for
        // eight properties); this one takes the dictionary as it is.
        return LogEvent.UnstableAssembleFromParts(DateTimeOffset.Now, level, exception, Template, properties,
            activity?.TraceId ?? default, activity?.SpanId ?? default);
    }

    private static ScalarValue RouteValue(string route)
    {
        if (Routes.TryGetValue(route, out var value))
        {
            return value;
        }
        value = new ScalarValue(route);
        if (Routes.Count < MaxSharedRoutes)
        {
            Routes.TryAdd(route, value);
        }
        return value;
    }

    private static readonly string EventId = EventIdHash.Compute(Template.Text).ToString("x8", CultureInfo.InvariantCulture);

    // Serilog's JSON escapes only what JSON requires (quotes, backslash, control characters); the relaxed encoder does
    // the same, where the default one would also escape every non-ASCII character and '+', '<', '&', ….
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Writes the event as one JSON object when it is the request line as built; false (nothing written) otherwise.</summary>
    public static bool TryWrite(LogEvent logEvent, Utf8JsonWriter json)
    {
        if (!ReferenceEquals(logEvent.MessageTemplate, Template) || logEvent.Exception is not null
            // Serilog keeps the properties in a Dictionary; its own enumerator, unlike the interface's, allocates nothing.
            || logEvent.Properties is not Dictionary<string, LogEventPropertyValue> { Count: PropertyCount } properties
            || !TryGetText(logEvent, "RequestMethod", out var method)
            || !TryGetText(logEvent, "RequestHost", out var host)
            || !TryGetText(logEvent, "RequestPath", out var path)
            || !logEvent.Properties.TryGetValue("StatusCode", out var statusValue) || statusValue is not ScalarValue { Value: int status }
            || !logEvent.Properties.TryGetValue("Elapsed", out var elapsedValue) || elapsedValue is not ScalarValue { Value: double elapsed }
            || elapsed is not (>= 0 and < 1e12) // a measured time; bounds the characters it can take
            || !TryGetText(logEvent, "User", out var user)
            || !TryGetText(logEvent, "RouteId", out var route)
            || !TryGetText(logEvent, "SourceContext", out var sourceContext))
        {
            return false;
        }

        json.WriteStartObject();
        Span<char> timestamp = stackalloc char[40];
        logEvent.Timestamp.UtcDateTime.TryFormat(timestamp, out var timestampLength, "O", CultureInfo.InvariantCulture);
        json.WriteString("@t", timestamp[..timestampLength]);
        WriteMessage(json, method, host, path, status, elapsed, user, route);
        json.WriteString("@i", EventId);
        if (logEvent.Level != LogEventLevel.Information)
        {
            json.WriteString("@l", LevelName(logEvent.Level));
        }
        if (logEvent.TraceId is { } traceId && traceId != default)
        {
            Span<byte> bytes = stackalloc byte[16];
            traceId.CopyTo(bytes);
            WriteHex(json, "@tr", bytes);
        }
        if (logEvent.SpanId is { } spanId && spanId != default)
        {
            Span<byte> bytes = stackalloc byte[8];
            spanId.CopyTo(bytes);
            WriteHex(json, "@sp", bytes);
        }
        // Properties in the order the event holds them (the dictionary keeps insertion order; none was removed).
        foreach (var (name, value) in properties)
        {
            WriteProperty(json, name, (ScalarValue)value);
        }
        json.WriteEndObject();
        return true;
    }

    /// <summary>Lower-case hex, as <c>ActivityTraceId.ToHexString()</c> writes it (at most 16 bytes).</summary>
    private static void WriteHex(Utf8JsonWriter json, string name, ReadOnlySpan<byte> bytes)
    {
        Span<char> hex = stackalloc char[32];
        Convert.TryToHexStringLower(bytes, hex, out var written);
        json.WriteString(name, hex[..written]);
    }

    private static void WriteProperty(Utf8JsonWriter json, string name, ScalarValue value)
    {
        switch (value.Value)
        {
            case string text:
                json.WriteString(name, text);
                break;
            case int number:
                json.WriteNumber(name, number);
                break;
            case double number:
                json.WriteNumber(name, number);
                break;
        }
    }

    private static void WriteMessage(Utf8JsonWriter json, string method, string host, string path, int status, double elapsed, string user, string route)
    {
        // "HTTP {RequestMethod:l} {RequestHost:l}{RequestPath:l} responded {StatusCode} in {Elapsed:0.0} ms user {User:l} route {RouteId:l}"
        var length = 64 + method.Length + host.Length + path.Length + user.Length + route.Length + 2 * 24;
        var rented = ArrayPool<char>.Shared.Rent(length);
        try
        {
            var message = rented.AsSpan();
            var at = 0;
            Append(message, ref at, "HTTP ");
            Append(message, ref at, method);
            Append(message, ref at, " ");
            Append(message, ref at, host);
            Append(message, ref at, path);
            Append(message, ref at, " responded ");
            status.TryFormat(message[at..], out var written, default, CultureInfo.InvariantCulture);
            at += written;
            Append(message, ref at, " in ");
            elapsed.TryFormat(message[at..], out written, "0.0", CultureInfo.InvariantCulture);
            at += written;
            Append(message, ref at, " ms user ");
            Append(message, ref at, user);
            Append(message, ref at, " route ");
            Append(message, ref at, route);
            json.WriteString("@m", message[..at]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static void Append(Span<char> message, ref int at, string text)
    {
        text.CopyTo(message[at..]);
        at += text.Length;
    }

    private static bool TryGetText(LogEvent logEvent, string name, out string text)
    {
        if (logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string found })
        {
            text = found;
            return true;
        }
        text = "";
        return false;
    }

    private static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "Verbose",
        LogEventLevel.Debug => "Debug",
        LogEventLevel.Warning => "Warning",
        LogEventLevel.Error => "Error",
        LogEventLevel.Fatal => "Fatal",
        _ => "Information",
    };
}
