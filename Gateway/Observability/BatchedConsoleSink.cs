using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Gateway.Observability;

/// <summary>
/// Writes log lines to standard output a batch at a time: one buffered write (one system call) per batch instead of one
/// per line, which under load was most of what the request log cost. Serilog's batching sink calls it from its own
/// worker, so requests never wait for the console.
/// </summary>
internal sealed class BatchedConsoleSink(ITextFormatter formatter, Stream output) : IBatchedLogEventSink, IDisposable
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024)
    {
        AutoFlush = false,
    };

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        foreach (var logEvent in batch)
        {
            formatter.Format(logEvent, _writer);
        }
        _writer.Flush();
        return Task.CompletedTask;
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    public void Dispose() => _writer.Dispose();
}
