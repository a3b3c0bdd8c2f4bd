using Gateway.Collections;

namespace Gateway.Sessions;

/// <summary>
/// One copy of the strings many session records repeat (the User-Agent of a popular browser, group names, a client
/// address behind a proxy, the provider's or directory's name), so that a cache of 100 000 records does not hold 100 000 copies of each. Bounded: once
/// <see cref="Capacity"/> distinct strings are held, new ones are simply not shared (an attacker who signs in with
/// made-up User-Agents fills it with at most <see cref="Capacity"/> × 256 characters, and costs others only the sharing).
/// </summary>
internal sealed class SharedStrings(int capacity) : ISessionStringSource
{
    /// <summary>The pool the session cache and the in-memory store share: 8192 strings, at most 4 MB.</summary>
    public static readonly SharedStrings Default = new(8192);

    public int Capacity { get; } = capacity;

    // Longer strings are not worth a lookup (and never come from a browser's User-Agent: the record keeps 200 characters).
    private const int MaxLength = 256;

    private readonly CountedDictionary<string, string> _pool = new(StringComparer.Ordinal);

    public string? Share(string? value)
    {
        if (value is null || value.Length > MaxLength)
        {
            return value;
        }
        if (_pool.TryGetValue(value, out var shared))
        {
            return shared;
        }
        if (_pool.Count >= Capacity || _pool.TryAdd(value, value))
        {
            return value;
        }
        return _pool.TryGetValue(value, out shared) ? shared : value;
    }

    /// <summary>The record with its repeated strings shared; the same instance when nothing changed.</summary>
    public SessionRecord Share(SessionRecord record)
    {
        var userAgent = Share(record.UserAgent);
        var clientAddress = Share(record.ClientAddress);
        // A handful of values each (configured provider names; "ldap", "sql"), repeated by every such session.
        var provider = Share(record.Provider);
        var directory = Share(record.Directory);
        var groups = record.Groups;
        string[]? sharedGroups = null;
        for (var i = 0; i < groups.Length; i++)
        {
            var group = Share(groups[i])!;
            if (!ReferenceEquals(group, groups[i]))
            {
                sharedGroups ??= (string[])groups.Clone();
                sharedGroups[i] = group;
            }
        }
        return ReferenceEquals(userAgent, record.UserAgent) && ReferenceEquals(clientAddress, record.ClientAddress)
            && ReferenceEquals(provider, record.Provider) && ReferenceEquals(directory, record.Directory) && sharedGroups is null
            ? record
            : record with { UserAgent = userAgent, ClientAddress = clientAddress, Provider = provider, Directory = directory, Groups = sharedGroups ?? groups };
    }
}
