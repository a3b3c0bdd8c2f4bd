using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A Serilog sink registered in one gateway's container (the gateway reads sinks from DI), collecting every event
/// that gateway writes. Pass <see cref="Register"/> as <c>GatewayHost.StartAsync</c>'s <c>services</c> callback, with
/// <see cref="Settings"/> so that Information events are written.
/// </summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => _events.ToArray();

    public static Dictionary<string, string?> Settings => new() { ["Serilog:MinimumLevel:Default"] = "Information" };

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public void Register(IServiceCollection services) => services.AddSingleton<ILogEventSink>(this);

    /// <summary>Events written through an <c>ILogger</c> with this <c>[LoggerMessage]</c> event id.</summary>
    public IReadOnlyList<LogEvent> WithEventId(int id) =>
        Events.Where(e => e.Properties.TryGetValue("EventId", out var value)
            && value is StructureValue s
            && s.Properties.Any(p => p.Name == "Id" && p.Value is ScalarValue { Value: int v } && v == id)).ToList();

    /// <summary>The request-log lines (one per request).</summary>
    public IReadOnlyList<LogEvent> RequestLines =>
        Events.Where(e => e.Properties.TryGetValue("SourceContext", out var value)
            && value is ScalarValue { Value: "Serilog.AspNetCore.RequestLoggingMiddleware" }).ToList();

    /// <summary>Every text an event carries: its rendered message, exception and every property value, recursively.</summary>
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

    public static string? Scalar(LogEvent logEvent, string property) =>
        logEvent.Properties.TryGetValue(property, out var value) && value is ScalarValue scalar ? scalar.Value?.ToString() : null;
}
