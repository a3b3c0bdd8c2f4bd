using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>YAML (Kubernetes manifests, Compose files) read into <see cref="JsonNode"/> trees; every scalar a string.</summary>
public static class YamlDocuments
{
    public static IReadOnlyList<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Where(d => d.RootNode is YamlMappingNode).Select(d => (JsonObject)ToJson(d.RootNode)!).ToList();
    }

    public static IReadOnlyList<JsonObject> Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>The one document of <paramref name="kind"/> named <paramref name="name"/> (or the only one of that kind).</summary>
    public static JsonObject Single(this IEnumerable<JsonObject> documents, string kind, string? name = null) =>
        Assert.Single(documents, d => d.Str("kind") == kind && (name is null || d["metadata"]?.Str("name") == name));

    /// <summary>The string at a dotted path (<c>spec.template.spec.securityContext.runAsNonRoot</c>), or null.</summary>
    public static string? Str(this JsonNode? node, string path) => node.At(path) is JsonValue value ? value.ToString() : null;

    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var child) ? child : null;
        }
        return node;
    }

    public static IEnumerable<JsonNode> Items(this JsonNode? node, string path) =>
        node.At(path) is JsonArray array ? array.OfType<JsonNode>() : [];

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => Mapping(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Value: null or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    /// <summary>A mapping, with YAML merge keys (<c>&lt;&lt;: *anchor</c>, as Compose files use) merged in.</summary>
    private static JsonObject Mapping(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (name == "<<" && value is YamlMappingNode merged)
            {
                foreach (var (mergedKey, mergedValue) in Mapping(merged).ToList())
                {
                    if (!map.Children.ContainsKey(new YamlScalarNode(mergedKey)))
                    {
                        result[mergedKey] = mergedValue?.DeepClone();
                    }
                }
                continue;
            }
            result[name] = ToJson(value);
        }
        return result;
    }
}
