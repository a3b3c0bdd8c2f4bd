using Gateway.Collections;

namespace Gateway.Tests.Collections;

/// <summary>The count the request path's bounded maps rely on stays exact, whatever concurrent callers do.</summary>
public sealed class CountedDictionaryTests
{
    [Fact]
    public async Task Count_StaysExact_UnderConcurrentAddsReplacementsAndRemovals()
    {
        var map = new CountedDictionary<int, int>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var key = (i * 7 + worker) % 500;
                switch ((i + worker) % 5)
                {
                    case 0: map.TryAdd(key, i); break;
                    case 1: map.Set(key, i); break;
                    case 2: map.TryRemove(key); break;
                    case 3:
                        if (map.TryGetValue(key, out var value))
                        {
                            map.TryRemove(new KeyValuePair<int, int>(key, value));
                        }
                        break;
                    default:
                        if (map.TryGetValue(key, out var held))
                        {
                            map.TryUpdate(key, held + 1, held);
                        }
                        break;
                }
            }
        })));

        Assert.Equal(map.Count(), map.Count);
    }

    [Fact]
    public void Set_AddsOnce_AndReplaces_AndRemovalsCountOnlyWhatTheyRemove()
    {
        var map = new CountedDictionary<string, int>(StringComparer.Ordinal);

        map.Set("a", 1);
        map.Set("a", 2);
        Assert.False(map.TryAdd("a", 3));
        Assert.True(map.TryAdd("b", 1));
        Assert.Equal(2, map.Count);
        Assert.True(map.TryGetValue("a", out var a));
        Assert.Equal(2, a);

        Assert.False(map.TryRemove(new KeyValuePair<string, int>("a", 1)));
        Assert.False(map.TryRemove("missing"));
        Assert.Equal(2, map.Count);
        Assert.True(map.TryRemove(new KeyValuePair<string, int>("a", 2)));
        Assert.True(map.TryRemove("b"));
        Assert.Equal(0, map.Count);
        Assert.Empty(map);
    }
}
