using System.Text.Json.Nodes;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>The Kubernetes manifests carry the same configuration as <c>config/</c>, which ExampleConfigurationTests runs.</summary>
public sealed class DeployManifestsTests
{
    [Theory]
    [InlineData("deploy/kubernetes/configmap.yaml", "gateway.json")]
    [InlineData("deploy/kubernetes/secret.yaml", "users.json")]
    public void KubernetesManifest_CarriesTheExampleConfigFile(string manifest, string file)
    {
        var root = RepositoryRoot.Path;
        var embedded = BlockScalar(File.ReadAllLines(Path.Combine(root, manifest)), file);
        var example = File.ReadAllText(Path.Combine(root, "config", file));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(example), JsonNode.Parse(embedded)),
            $"{manifest} key {file} differs from config/{file}");
    }

    /// <summary>The text of a YAML literal block (<c>key: |</c>) in a data or stringData map.</summary>
    private static string BlockScalar(string[] lines, string key)
    {
        var start = Array.FindIndex(lines, l => l.Trim() == key + ": |");
        Assert.True(start >= 0, $"no '{key}: |' block");
        var keyIndent = lines[start].Length - lines[start].TrimStart().Length;
        var block = lines.Skip(start + 1)
            .TakeWhile(l => l.Trim().Length == 0 || l.Length - l.TrimStart().Length > keyIndent)
            .ToList();
        var indent = block.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', block.Select(l => l.Length >= indent ? l[indent..] : ""));
    }
}
