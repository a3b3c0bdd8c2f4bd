using Serilog.Events;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>Reading captured Serilog events: request-log lines, scalar properties, and every text an event carries.</summary>
public static class LogEventText
{
    /// <summary>Settings that let Information events (audit successes, request lines) through.</summary>
    public static Dictionary<string, string?> InformationSettings => new() { ["Serilog:MinimumLevel:Default"] = "Information" };

    /// <summary>The request-log lines (one per request).</summary>
    public static IReadOnlyList<LogEvent> RequestLines(this CapturingLogSink sink) =>
        sink.Events.Where(e => e.Properties.TryGetValue("SourceContext", out var value)
            && value is ScalarValue { Value: "Gateway.Observability.RequestLogMiddleware" }).ToList();

    public static string? Scalar(this LogEvent logEvent, string property) =>
        logEvent.Properties.TryGetValue(property, out var value) && value is ScalarValue scalar ? scalar.Value?.ToString() : null;

    /// <summary>Every text an event carries: its rendered message, exception and every property name and value, recursively.</summary>
    public static IEnumerable<string> TextsOf(LogEvent logEvent)
    {
        yield return logEvent.RenderMessage();
        if (logEvent.Exception is not null)
        {
            yield return logEvent.Exception.ToString();
        }
        foreach (var (name, value) in logEvent.Properties)
        {
            yield return name;
            foreach (var text in TextsOf(value))
            {
                yield return text;
            }
        }
    }

    private static IEnumerable<string> TextsOf(LogEventPropertyValue value)
    {
        yield return value.ToString();
        switch (value)
        {
            case ScalarValue { Value: not null } scalar:
                yield return scalar.Value.ToString() ?? "";
                break;
            case SequenceValue sequence:
                foreach (var text in sequence.Elements.SelectMany(TextsOf))
                {
                    yield return text;
                }
                break;
            case StructureValue structure:
                foreach (var text in structure.Properties.SelectMany(p => TextsOf(p.Value).Prepend(p.Name)))
                {
                    yield return text;
                }
                break;
            case DictionaryValue dictionary:
                foreach (var (key, item) in dictionary.Elements)
                {
                    foreach (var text in TextsOf(key).Concat(TextsOf(item)))
                    {
                        yield return text;
                    }
                }
                break;
        }
    }
}
