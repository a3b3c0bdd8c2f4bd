using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Every Serilog event the gateway writes, for assertions. Register it with <see cref="AddTo"/> in
/// <see cref="GatewayHost.StartAsync"/>'s <c>services</c> callback (the gateway reads sinks from the services).
/// </summary>
public sealed class CapturingLogSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => _events.ToArray();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public void AddTo(IServiceCollection services) => services.AddSingleton<ILogEventSink>(this);

    /// <summary>Events with the given <c>[LoggerMessage]</c> event id.</summary>
    public IEnumerable<LogEvent> WithEventId(int id) => Events.Where(e =>
        e.Properties.TryGetValue("EventId", out var value)
        && value is StructureValue s
        && s.Properties.Any(p => p.Name == "Id" && p.Value is ScalarValue { Value: int v } && v == id));
}
