using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Gateway.Collections;

/// <summary>
/// A <see cref="ConcurrentDictionary{TKey,TValue}"/> that keeps its own exact count of entries, for the bounded maps
/// of the request path (the session caches, the shared-string pool, the sliding-refresh gate, held assertions, the
/// request line's shared values): <see cref="ConcurrentDictionary{TKey,TValue}.Count"/> takes every lock of the
/// dictionary, and each of those asks it on every add to keep its bound. The count moves only when an entry is really
/// added or removed, so it stays exact under concurrent adds, replacements and removals.
/// </summary>
internal sealed class CountedDictionary<TKey, TValue>(IEqualityComparer<TKey>? comparer = null)
    : IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new(comparer);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    public bool ContainsKey(TKey key) => _entries.ContainsKey(key);

    public bool TryAdd(TKey key, TValue value)
    {
        if (!_entries.TryAdd(key, value))
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    public bool TryUpdate(TKey key, TValue value, TValue comparison) => _entries.TryUpdate(key, value, comparison);

    /// <summary>Adds the entry, or replaces the one held under its key.</summary>
    public void Set(TKey key, TValue value)
    {
        while (!TryAdd(key, value))
        {
            if (_entries.TryGetValue(key, out var current) && _entries.TryUpdate(key, value, current))
            {
                return;
            }
        }
    }

    public bool TryRemove(TKey key)
    {
        if (!_entries.TryRemove(key, out _))
        {
            return false;
        }
        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>Removes the entry only while it is still <paramref name="entry"/>'s value.</summary>
    public bool TryRemove(KeyValuePair<TKey, TValue> entry)
    {
        if (!_entries.TryRemove(entry))
        {
            return false;
        }
        Interlocked.Decrement(ref _count);
        return true;
    }

    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
