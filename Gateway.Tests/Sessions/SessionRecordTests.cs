using System.Reflection;
using Gateway.Sessions;

namespace Gateway.Tests.Sessions;

public sealed class SessionRecordTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static SessionRecord Full() => new()
    {
        User = "alice",
        Email = "alice@example.com",
        Name = "Alice",
        Groups = ["staff", "admin"],
        CreatedAt = Now,
        LastSeenAt = Now,
        AbsoluteExpiresAt = Now.AddHours(12),
        ExpiresAt = Now.AddHours(1),
        ClientAddress = "192.0.2.1",
        UserAgent = "browser",
        Provider = "corp",
        ProviderSessionId = "sid",
        ProviderSubject = "sub",
        AccountStamp = "stamp",
        Directory = "ldap",
        CheckedAt = Now,
        IndexedUntil = Now.AddHours(2),
    };

    [Fact]
    public void HasSameValuesAs_ACopy_WithItsOwnArrays()
    {
        var record = Full();
        Assert.True(record.HasSameValuesAs(record with { Groups = [.. record.Groups] }));
        Assert.True(record.HasSameValuesAs(record));
    }

    /// <summary>
    /// Every property, changed alone, makes the records differ: a record read again that differs in anything must not
    /// be mistaken for the one held (the session cache would go on vouching for stale values). Found by reflection, so
    /// that a property added later is covered too.
    /// </summary>
    [Fact]
    public void HasSameValuesAs_IsFalse_WhenAnyOnePropertyDiffers()
    {
        var properties = typeof(SessionRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).ToList();
        Assert.True(properties.Count >= 17, "every stored property is listed");
        foreach (var property in properties)
        {
            var record = Full();
            var changed = record with { };
            property.SetValue(changed, Different(property.GetValue(record), property.PropertyType));
            Assert.False(record.HasSameValuesAs(changed), property.Name);
            Assert.False(changed.HasSameValuesAs(record), property.Name);
        }
    }

    private static object? Different(object? value, Type type) => value switch
    {
        string s => s + "x",
        string[] groups => new[] { groups[0], groups[1] + "x" },
        DateTimeOffset time => time.AddMilliseconds(1),
        _ when Nullable.GetUnderlyingType(type) == typeof(DateTimeOffset) => null,
        _ => throw new InvalidOperationException($"No different value for a {type}: add one here."),
    };
}
