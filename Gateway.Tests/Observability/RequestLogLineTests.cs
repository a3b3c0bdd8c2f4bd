using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.Observability;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace Gateway.Tests.Observability;

/// <summary>
/// The request line's own writer must say exactly what Serilog's compact JSON says for the same event (log pipelines
/// parse it), for every value a client can put in a line; anything it does not know is left to Serilog.
/// </summary>
public sealed class RequestLogLineTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 13, 14, 15, 678, TimeSpan.FromHours(2));

    private static LogEvent Line(
        string method = "GET", string host = "www.example.com", string path = "/inbox", int status = 200, double elapsed = 1.25,
        string user = "alice", string route = "www", LogEventLevel level = LogEventLevel.Information, bool traced = true,
        Exception? exception = null, params LogEventProperty[] extra)
    {
        List<LogEventProperty> properties =
        [
            new("RequestMethod", new ScalarValue(method)), new("RequestHost", new ScalarValue(host)),
            new("RequestPath", new ScalarValue(path)), new("StatusCode", new ScalarValue(status)),
            new("Elapsed", new ScalarValue(elapsed)), new("User", new ScalarValue(user)), new("RouteId", new ScalarValue(route)),
            new("SourceContext", new ScalarValue("Gateway.Observability.RequestLogMiddleware")),
        ];
        properties.AddRange(extra);
        return new LogEvent(At.AddTicks(1234), level, exception, RequestLogLine.Template, properties,
            traced ? ActivityTraceId.CreateRandom() : default, traced ? ActivitySpanId.CreateRandom() : default);
    }

    private static string Serilog(LogEvent logEvent)
    {
        var text = new StringWriter();
        new RenderedCompactJsonFormatter().Format(logEvent, text);
        // As the console gets it: UTF-8 (a lone surrogate becomes U+FFFD).
        return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text.ToString().TrimEnd('\n')));
    }

    private static string? Own(LogEvent logEvent)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(buffer, RequestLogLine.WriterOptions);
        if (!RequestLogLine.TryWrite(logEvent, json))
        {
            Assert.Equal(0, buffer.WrittenCount + (int)json.BytesPending);
            return null;
        }
        json.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The same members in the same order with the same values (escaping may be spelt differently).</summary>
    private static void AssertSameJson(string expected, string actual)
    {
        var want = JsonDocument.Parse(expected).RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind, Value: p.Value.ToString())).ToList();
        var got = JsonDocument.Parse(actual).RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind, Value: p.Value.ToString())).ToList();
        Assert.Equal(want, got);
    }

    [Fact]
    public void APlainLine_IsByteForByteWhatSerilogWrites()
    {
        var logEvent = Line();

        Assert.Equal(Serilog(logEvent), Own(logEvent));
    }

    public static TheoryData<string, LogEvent> Lines => new()
    {
        { "untraced", Line(traced: false) },
        { "error level", Line(status: 503, level: LogEventLevel.Error) },
        { "warning level", Line(level: LogEventLevel.Warning) },
        { "no user", Line(user: "-", route: "-") },
        { "quote and backslash", Line(path: "/a\"b\\c", user: "o\"brien\\x") },
        { "CR LF tab", Line(path: "/x\r\n{\"@t\":\"forged\"}\t", user: "eve\nHTTP GET") },
        { "C0 and C1 controls, DEL", Line(path: "/\u0000\u0001\u001f\u007f\u0085\u009f") },
        { "line and paragraph separators", Line(path: "/\u2028\u2029") },
        { "non-ASCII", Line(path: "/café/日本語", user: "zoë😀", host: "xn--caf-dma.example") },
        { "lone surrogates", Line(path: "/\ud800x\udc00", user: "\udbff") },
        { "HTML-sensitive", Line(path: "/<script>&'+`") },
        { "long path", Line(path: "/" + new string('p', 16 * 1024)) },
        { "many digits", Line(elapsed: 0.123456789012345) },
        { "rounding", Line(elapsed: 0.05) },
        { "zero", Line(elapsed: 0) },
        { "slow", Line(elapsed: 123456.789) },
        { "odd status", Line(status: 999) },
        { "other method", Line(method: "PROPFIND") },
        { "empty strings", Line(method: "", host: "", path: "", user: "", route: "") },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void EveryValueAClientCanSend_IsWrittenAsSerilogWouldMeanIt(string name, LogEvent logEvent)
    {
        var own = Own(logEvent);

        Assert.True(own is not null, name);
        AssertSameJson(Serilog(logEvent), own);
        Assert.DoesNotContain('\n', own);
        Assert.DoesNotContain('\r', own);
    }

    public static TheoryData<string, LogEvent> OtherEvents => new()
    {
        { "with an exception", Line(status: 500, level: LogEventLevel.Error, exception: new InvalidOperationException("boom")) },
        { "an enricher's property", Line(extra: new LogEventProperty("MachineName", new ScalarValue("gw-1"))) },
        { "a value of another type", Line().WithProperty("StatusCode", new ScalarValue("200")) },
        { "a structured value", Line().WithProperty("User", new StructureValue([new LogEventProperty("Name", new ScalarValue("a"))])) },
        { "an infinite time", Line(elapsed: double.PositiveInfinity) },
        { "a negative time", Line(elapsed: -1) },
        { "another template", new LogEvent(At, LogEventLevel.Information, null,
            new MessageTemplateParser().Parse(RequestLogLine.Template.Text), Line().Properties.Select(p => new LogEventProperty(p.Key, p.Value))) },
    };

    [Theory]
    [MemberData(nameof(OtherEvents))]
    public void AnythingElse_IsLeftToSerilog(string name, LogEvent logEvent)
    {
        Assert.True(Own(logEvent) is null, name);
    }

    public static TheoryData<string, string, int, string?, string> Created => new()
    {
        { "GET", "/inbox", 200, "alice", "www" },
        { "POST", "/_sso/login", 302, null, "Login" },
        { "PROPFIND", "/dav", 207, "bob", "dav" },
        { "get", "/lower", 404, null, "-" },
        { "GET", "/odd", 99, "x", "www" },
        { "GET", "/odd", 600, "x", "www" },
        { "DELETE", "/x\r\n\"", 503, "zoë😀", "shop" },
    };

    [Theory]
    [MemberData(nameof(Created))]
    public void TheMiddlewaresEvent_ThroughARealLogger_IsWrittenAsSerilogWritesIt(string method, string path, int status, string? user, string route)
    {
        LogEvent? logged = null;
        var logger = new global::Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new Capture(e => logged = e))
            .CreateLogger().ForContext<RequestLogMiddleware>();

        logger.Write(RequestLogLine.Create(LogEventLevel.Information, null, method, "www.example.com", path, status, 2.5, user, route));

        Assert.NotNull(logged);
        Assert.Equal(["RequestMethod", "RequestHost", "RequestPath", "StatusCode", "Elapsed", "User", "RouteId", "SourceContext"], logged.Properties.Keys);
        Assert.Equal($"HTTP {method} www.example.com{path} responded {status} in 2.5 ms user {user ?? "-"} route {route}", logged.RenderMessage());
        var own = Own(logged);
        Assert.NotNull(own);
        AssertSameJson(Serilog(logged), own);
    }

    private sealed class Capture(Action<LogEvent> onEvent) : global::Serilog.Core.ILogEventSink
    {
        public void Emit(LogEvent logEvent) => onEvent(logEvent);
    }

    [Fact]
    public void TheSink_WritesRequestLinesAndOtherEvents_InTheOrderTheyCame()
    {
        var output = new MemoryStream();
        var sink = new BatchedConsoleSink(new RenderedCompactJsonFormatter(), output, TimeSpan.FromHours(1), queueLimit: 100_000);
        var template = new MessageTemplateParser().Parse("Audit: sign-out of {User}");
        var expected = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            // Enough lines to pass the sink's write threshold several times; a few with characters that take 2-4 bytes.
            var logEvent = i % 7 == 0
                ? new LogEvent(At, LogEventLevel.Information, null, template, [new LogEventProperty("User", new ScalarValue($"zoë😀{i}"))])
                : Line(path: $"/page/{i}/é");
            expected.Add(Serilog(logEvent));
            sink.Emit(logEvent);
        }

        sink.Dispose();

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            AssertSameJson(expected[i], lines[i]);
        }
    }
}

internal static class LogEventCopies
{
    /// <summary>A copy of the event with one property's value replaced (same template, order and ids).</summary>
    public static LogEvent WithProperty(this LogEvent logEvent, string name, LogEventPropertyValue value) =>
        new(logEvent.Timestamp, logEvent.Level, logEvent.Exception, logEvent.MessageTemplate,
            logEvent.Properties.Select(p => new LogEventProperty(p.Key, p.Key == name ? value : p.Value)), logEvent.TraceId ?? default, logEvent.SpanId ?? default);
}
