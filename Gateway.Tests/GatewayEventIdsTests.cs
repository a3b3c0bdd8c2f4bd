using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests;

/// <summary>Event ids are how operators filter and alert: each one names one event, and all live in GatewayEventIds.</summary>
public sealed class GatewayEventIdsTests
{
    private static readonly (string Method, int Id)[] LoggerMessages = typeof(GatewayEventIds).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        .Select(method => (Method: $"{method.DeclaringType!.FullName}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
        .Where(m => m.Attribute is not null)
        .Select(m => (m.Method, m.Attribute!.EventId))
        .ToArray();

    private static readonly (string Name, int Id)[] Declared = typeof(GatewayEventIds).GetNestedTypes()
        .SelectMany(block => block.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .Select(f => (Name: $"{block.Name}.{f.Name}", Id: (int)f.GetRawConstantValue()!)))
        .ToArray();

    [Fact]
    public void EveryLoggerMessage_IsFound()
    {
        // Guards the reflection below: the gateway logs through dozens of [LoggerMessage] methods in many folders.
        Assert.True(LoggerMessages.Length >= 50, $"only {LoggerMessages.Length} [LoggerMessage] methods found");
        Assert.Contains(LoggerMessages, m => m.Method.StartsWith("Gateway.Login.", StringComparison.Ordinal));
        Assert.Contains(LoggerMessages, m => m.Method.StartsWith("Gateway.Identity.Ldap.", StringComparison.Ordinal));
    }

    [Fact]
    public void NoTwoLoggerMessages_ShareAnEventId()
    {
        var shared = LoggerMessages.GroupBy(m => m.Id).Where(g => g.Count() > 1).ToList();

        Assert.All(shared, g => Assert.Fail($"event id {g.Key} is used by {string.Join(" and ", g.Select(m => m.Method))}"));
    }

    [Fact]
    public void EveryLoggerMessage_UsesAnIdDeclaredInGatewayEventIds()
    {
        var declared = Declared.Select(d => d.Id).ToHashSet();

        Assert.All(LoggerMessages, m => Assert.True(declared.Contains(m.Id),
            $"{m.Method} logs event id {m.Id}, which GatewayEventIds does not declare"));
    }

    [Fact]
    public void GatewayEventIds_DeclaresEachIdOnce_AndNoneUnused()
    {
        var used = LoggerMessages.Select(m => m.Id).ToHashSet();

        Assert.All(Declared.GroupBy(d => d.Id).Where(g => g.Count() > 1),
            g => Assert.Fail($"GatewayEventIds gives {g.Key} to {string.Join(" and ", g.Select(d => d.Name))}"));
        Assert.All(Declared,
            d => Assert.True(used.Contains(d.Id), $"GatewayEventIds.{d.Name} ({d.Id}) is logged by no [LoggerMessage]"));
    }
}
