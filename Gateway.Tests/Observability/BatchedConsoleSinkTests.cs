using System.Text;
using Gateway.Observability;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace Gateway.Tests.Observability;

public sealed class BatchedConsoleSinkTests
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse("line {N}");

    private static LogEvent Line(int n) =>
        new(DateTimeOffset.Now, LogEventLevel.Information, null, Template, [new LogEventProperty("N", new ScalarValue(n))]);

    private static string[] Lines(MemoryStream output) =>
        Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void QueuedLines_AreAllWrittenInOrder_WhenTheLoggerIsDisposed()
    {
        var output = new MemoryStream();
        var sink = new BatchedConsoleSink(new RenderedCompactJsonFormatter(), output, TimeSpan.FromHours(1), queueLimit: 1000);
        for (var i = 0; i < 100; i++)
        {
            sink.Emit(Line(i));
        }

        var buffer = output.ToArray();
        sink.Dispose();

        Assert.Empty(buffer);
        var lines = Lines(new MemoryStream(output.ToArray()));
        Assert.Equal(100, lines.Length);
        Assert.Contains("\"@m\":\"line 0\"", lines[0]);
        Assert.Contains("\"@m\":\"line 99\"", lines[99]);
    }

    [Fact]
    public void BeyondTheQueueLimit_LinesAreDropped_AndAWarningCountsThem()
    {
        var output = new MemoryStream();
        var sink = new BatchedConsoleSink(new RenderedCompactJsonFormatter(), output, TimeSpan.FromHours(1), queueLimit: 5);
        for (var i = 0; i < 12; i++)
        {
            sink.Emit(Line(i));
        }

        sink.Dispose();

        var lines = Lines(new MemoryStream(output.ToArray()));
        Assert.Equal(6, lines.Length);
        Assert.Contains("\"@m\":\"line 4\"", lines[4]);
        Assert.Contains("7 log events were dropped", lines[5]);
        Assert.Contains("\"@l\":\"Warning\"", lines[5]);
    }

    private static readonly MessageTemplate AuditTemplate =
        new MessageTemplateParser().Parse("Audit: sign-in failed for {User} from {ClientAddress}: {FailureReason}");

    private static LogEvent Audit(int n) => new(DateTimeOffset.Now, LogEventLevel.Warning, null, AuditTemplate,
        [new LogEventProperty("User", new ScalarValue($"user{n}")), new LogEventProperty("ClientAddress", new ScalarValue("10.0.0.1")),
            new LogEventProperty("FailureReason", new ScalarValue("wrong-password"))]);

    [Fact]
    public void AuditEvents_AreNeverDropped_EvenWhenRequestLinesOverflowTheQueue()
    {
        var output = new MemoryStream();
        var sink = new BatchedConsoleSink(new RenderedCompactJsonFormatter(), output, TimeSpan.FromHours(1), queueLimit: 5);
        for (var i = 0; i < 1000; i++)
        {
            sink.Emit(Line(i));
            if (i % 10 == 0)
            {
                sink.Emit(Audit(i / 10));
            }
        }

        sink.Dispose();

        var lines = Lines(new MemoryStream(output.ToArray()));
        for (var n = 0; n < 100; n++)
        {
            Assert.Single(lines, line => line.Contains($"\"Audit: sign-in failed for \\\"user{n}\\\" from"));
        }
        Assert.Contains(lines, line => line.Contains("log events were dropped"));
        Assert.True(lines.Count(line => line.Contains("\"@m\":\"line ")) <= 5);
    }

    [Fact]
    public async Task Lines_AreWrittenWithinTheInterval_WithoutStopping()
    {
        var output = new MemoryStream();
        using var sink = new BatchedConsoleSink(new RenderedCompactJsonFormatter(), output, TimeSpan.FromMilliseconds(20), queueLimit: 1000);

        sink.Emit(Line(1));

        await Gateway.Tests.TestInfrastructure.Poll.UntilAsync(() => output.Length > 0, TimeSpan.FromSeconds(5), "the line is written");
    }
}
