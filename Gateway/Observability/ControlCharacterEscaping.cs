using System.Buffers;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace Gateway.Observability;

/// <summary>
/// For the plain-text Development console: control characters in logged values (CR and LF in a username typed at
/// sign-in, a decoded path, …) are written as <c>\u000d</c>-style escapes, so no value can start a line that looks like
/// another log event. The JSON written outside Development escapes them by itself.
/// </summary>
internal sealed class ControlCharacterEscaping : ILogEventEnricher
{
    // C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) + "\u2028\u2029");

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? escaped = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (Escape(value) is var safe && !ReferenceEquals(safe, value))
            {
                (escaped ??= []).Add(new LogEventProperty(name, safe));
            }
        }
        foreach (var property in escaped ?? [])
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    private static LogEventPropertyValue Escape(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string text } when text.AsSpan().ContainsAny(Unsafe):
                return new ScalarValue(EscapeText(text));
            case SequenceValue sequence:
                var elements = sequence.Elements.Select(Escape).ToList();
                return elements.Where((element, i) => !ReferenceEquals(element, sequence.Elements[i])).Any()
                    ? new SequenceValue(elements)
                    : value;
            case StructureValue structure:
                var properties = structure.Properties.Select(p => new LogEventProperty(p.Name, Escape(p.Value))).ToList();
                return properties.Where((p, i) => !ReferenceEquals(p.Value, structure.Properties[i].Value)).Any()
                    ? new StructureValue(properties, structure.TypeTag)
                    : value;
            default:
                return value;
        }
    }

    internal static string EscapeText(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Unsafe.Contains(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
