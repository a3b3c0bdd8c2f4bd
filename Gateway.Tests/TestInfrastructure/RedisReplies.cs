using System.Globalization;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>Typed answers from <see cref="RedisServerFixture.CommandAsync"/> for the few commands tests inspect keys with.</summary>
public static class RedisReplies
{
    /// <summary>A command with an integer reply (<c>PTTL</c>, <c>EXISTS</c>, <c>DBSIZE</c>…).</summary>
    public static async Task<long> IntegerAsync(this RedisServerFixture redis, params string[] command)
    {
        var reply = await redis.CommandAsync(command);
        Assert.True(reply.StartsWith(':'), $"integer reply to {command[0]}: {reply}");
        return long.Parse(reply.AsSpan(1).TrimEnd("\r\n"), CultureInfo.InvariantCulture);
    }

    /// <summary><c>KEYS pattern</c>, parsed from its array of bulk strings.</summary>
    public static async Task<string[]> KeysAsync(this RedisServerFixture redis, string pattern)
    {
        var lines = (await redis.CommandAsync("KEYS", pattern)).Split("\r\n");
        Assert.StartsWith("*", lines[0]);
        var count = int.Parse(lines[0].AsSpan(1), CultureInfo.InvariantCulture);
        return Enumerable.Range(0, count).Select(i => lines[2 + 2 * i]).ToArray();
    }
}
