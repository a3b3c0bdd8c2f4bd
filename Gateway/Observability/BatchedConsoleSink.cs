using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace Gateway.Observability;

/// <summary>
/// Writes log lines to standard output from a background thread that wakes every <c>interval</c> and writes whatever
/// has queued up in one buffered write. Logging a line is only a lock-free enqueue: no console write, no lock and no
/// wake-up of another thread per request (Serilog's async and batching sinks wake their worker for nearly every
/// event under a steady stream, which on a busy core cost more than the line itself). Lines are therefore up to one
/// interval late; everything queued is written when the logger is disposed (the host stopping). Bounded: beyond
/// <c>queueLimit</c> waiting lines, new lines are dropped and a warning says how many, except audit events (see
/// <see cref="IsAudit"/>: sign-in, lockout, sign-out, revocation), which are never dropped. Those come at the pace of
/// the actions they record (a sign-in costs a password hash), not of requests, so queuing them all stays bounded in
/// practice while the console keeps up at all. Request lines are written by <see cref="RequestLogLine"/> straight to
/// UTF-8, every other event by <c>formatter</c>; both into one buffer, written out at the end of each batch (or every
/// <see cref="WriteThresholdBytes"/>).
/// </summary>
internal sealed class BatchedConsoleSink : ILogEventSink, IDisposable
{
    private static readonly MessageTemplate DroppedTemplate =
        new MessageTemplateParser().Parse("{DroppedEvents} log events were dropped: the console did not keep up");

    private const int WriteThresholdBytes = 64 * 1024;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly ITextFormatter _formatter;
    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(2 * WriteThresholdBytes);
    private readonly Utf8JsonWriter _json;
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);
    private readonly TimeSpan _interval;
    private readonly int _queueLimit;
    private readonly ConcurrentQueue<LogEvent> _queue = new();
    private readonly ManualResetEventSlim _stopping = new();
    private readonly Thread _worker;
    private int _queued;
    private int _dropped;

    public BatchedConsoleSink(ITextFormatter formatter, Stream output, TimeSpan interval, int queueLimit)
    {
        _formatter = formatter;
        _output = output;
        _json = new Utf8JsonWriter(_buffer, RequestLogLine.WriterOptions);
        _interval = interval;
        _queueLimit = queueLimit;
        _worker = new Thread(WriteUntilStopped) { IsBackground = true, Name = "Console log writer" };
        _worker.Start();
    }

    /// <summary>An audit event: its message starts with <c>Audit:</c>, as every audit message of the gateway does.</summary>
    public static bool IsAudit(LogEvent logEvent) => logEvent.MessageTemplate.Text.StartsWith("Audit:", StringComparison.Ordinal);

    public void Emit(LogEvent logEvent)
    {
        if (Interlocked.Increment(ref _queued) > _queueLimit && !IsAudit(logEvent))
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _queue.Enqueue(logEvent);
    }

    private void WriteUntilStopped()
    {
        while (!_stopping.Wait(_interval))
        {
            WriteQueued();
        }
        WriteQueued();
    }

    private void WriteQueued()
    {
        try
        {
            var wrote = false;
            while (_queue.TryDequeue(out var logEvent))
            {
                Interlocked.Decrement(ref _queued);
                Format(logEvent);
                wrote = true;
            }
            if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
            {
                Format(new LogEvent(DateTimeOffset.Now, LogEventLevel.Warning, null, DroppedTemplate,
                    [new LogEventProperty("DroppedEvents", new ScalarValue(dropped))]));
                wrote = true;
            }
            if (wrote)
            {
                WriteBuffered();
                _output.Flush();
            }
        }
        catch (Exception ex)
        {
            // E.g. standard output is gone (a closed pipe): nothing can be written anywhere, and a logging failure must
            // never end the process; the queue keeps draining, so memory stays bounded.
            Serilog.Debugging.SelfLog.WriteLine("Console log writer: {0}", ex.Message);
            _buffer.ResetWrittenCount();
            _json.Reset();
            _text.GetStringBuilder().Clear();
        }
    }

    private void Format(LogEvent logEvent)
    {
        if (RequestLogLine.TryWrite(logEvent, _json))
        {
            _json.Flush();
            _json.Reset();
            _buffer.Write("\n"u8);
        }
        else
        {
            _formatter.Format(logEvent, _text);
            // One string a line (not the builder's chunks, which may split a surrogate pair): these lines are rare.
            var line = _text.ToString();
            _text.GetStringBuilder().Clear();
            _buffer.Advance(Utf8.GetBytes(line, _buffer.GetSpan(Utf8.GetMaxByteCount(line.Length))));
        }
        if (_buffer.WrittenCount >= WriteThresholdBytes)
        {
            WriteBuffered();
        }
    }

    private void WriteBuffered()
    {
        _output.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    public void Dispose()
    {
        _stopping.Set();
        _worker.Join();
        _json.Dispose();
        _output.Dispose();
        _stopping.Dispose();
    }
}
