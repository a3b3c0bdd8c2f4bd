namespace Gateway.Tests.TestInfrastructure;

/// <summary>Configuration for a test gateway, built from layers.</summary>
public static class TestSettings
{
    /// <summary>
    /// One dictionary from <paramref name="layers"/>, in order: a later layer's value for a key replaces an earlier
    /// one's. A null value is kept: to <see cref="GatewayHost.StartAsync"/> it means "remove this default".
    /// </summary>
    public static Dictionary<string, string?> Merge(params IEnumerable<KeyValuePair<string, string?>>?[] layers)
    {
        var merged = new Dictionary<string, string?>();
        foreach (var layer in layers)
        {
            foreach (var (key, value) in layer ?? [])
            {
                merged[key] = value;
            }
        }
        return merged;
    }
}
