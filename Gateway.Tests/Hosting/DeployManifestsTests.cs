using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// deploy/kubernetes as an operator applies it: every manifest parsed and checked for what keeps a deployment up
/// and closed (probes, resources sized from bench/, hardened pods, PDB, spread, NetworkPolicies, hash-suffixed
/// generators, no committed secret), and rendered with <c>kubectl kustomize</c> where kubectl is installed.
/// </summary>
public sealed partial class DeployManifestsTests
{
    private const string Gateway = "ssogateway";
    private const string BackendLabel = "ssogateway.example.com/backend";

    // bench/README.md: RSS 152 MB idle; approaching 650 MB with the default Sso:SessionCacheSize all in repeated use.
    private const long IdleRssMiB = 152, BusyRssMiB = 650;

    private static string Kubernetes => Path.Combine(RepositoryRoot.Path, "deploy", "kubernetes");

    private static IReadOnlyList<JsonObject> Manifests =>
        Directory.GetFiles(Kubernetes, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(YamlDocuments.Load).ToList();

    private static JsonObject Kustomization => YamlDocuments.Load(Path.Combine(Kubernetes, "kustomization.yaml")).Single();

    private static JsonNode PodSpec => Manifests.Single("Deployment", Gateway).At("spec.template.spec")!;

    private static JsonNode GatewayContainer => Assert.Single(PodSpec.Items("containers"));

    [Fact]
    public void EveryManifest_Parses_WithKindAndName()
    {
        var files = Directory.GetFiles(Kubernetes, "*.yaml");
        Assert.True(files.Length >= 6, string.Join(", ", files));
        foreach (var document in files.SelectMany(YamlDocuments.Load))
        {
            Assert.False(string.IsNullOrEmpty(document.Str("apiVersion")), document.ToJsonString());
            Assert.False(string.IsNullOrEmpty(document.Str("kind")), document.ToJsonString());
            Assert.True(document.Str("kind") == "Kustomization" || !string.IsNullOrEmpty(document.Str("metadata.name")), document.ToJsonString());
        }
    }

    [Fact]
    public void ConfigMapGenerator_CarriesTheExampleGatewayJson()
    {
        var generated = File.ReadAllText(Path.Combine(Kubernetes, "gateway.json"));
        var example = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config", "gateway.json"));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(example), JsonNode.Parse(generated)), "deploy/kubernetes/gateway.json differs from config/gateway.json");
    }

    [Fact]
    public void ConfigAndSecrets_AreHashSuffixedGenerators_OfFilesTheOperatorWrites()
    {
        var kustomization = Kustomization;
        var configMap = Assert.Single(kustomization.Items("configMapGenerator"));
        var secret = Assert.Single(kustomization.Items("secretGenerator"));

        Assert.Equal("ssogateway-config", configMap.Str("name"));
        Assert.Equal(["gateway.json"], configMap.Items("files").Select(f => f.ToString()));
        Assert.Equal("ssogateway-secrets", secret.Str("name"));
        Assert.Equal(["users.json"], secret.Items("files").Select(f => f.ToString()));
        Assert.Equal(["redis.env"], secret.Items("envs").Select(f => f.ToString()));
        Assert.NotEqual("true", kustomization.Str("generatorOptions.disableNameSuffixHash"));
        Assert.NotEqual("true", configMap.Str("options.disableNameSuffixHash"));
        Assert.NotEqual("true", secret.Str("options.disableNameSuffixHash"));
        // No plain ConfigMap or Secret that an edit would change in place under running pods.
        Assert.DoesNotContain(Manifests, m => m.Str("kind") is "ConfigMap" or "Secret");
        var resources = kustomization.Items("resources").Select(r => r.ToString()).ToList();
        Assert.Contains("networkpolicies.yaml", resources);
        Assert.Contains("poddisruptionbudget.yaml", resources);

        // The operator's files are never committed, so `kubectl apply -k` of the repository as it is fails.
        var ignored = File.ReadAllLines(Path.Combine(Kubernetes, ".gitignore")).Select(l => l.Trim()).ToList();
        Assert.Contains("users.json", ignored);
        Assert.Contains("redis.env", ignored);
        Assert.Matches(@"(?m)^redis=[^#\s]*,password=$", File.ReadAllText(Path.Combine(Kubernetes, "redis.env.example")));
    }

    [Fact]
    public void NoExamplePasswordPlaceholder_IsCommittedUnderDeployOrConfig()
    {
        var files = new[] { "deploy", "config" }.SelectMany(d => Directory.GetFiles(Path.Combine(RepositoryRoot.Path, d), "*", SearchOption.AllDirectories));

        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            Assert.False(ChangeMe().IsMatch(text), $"{file} carries a change-me password");
        }
    }

    [Fact]
    public void Deployment_HasProbes_OnTheGatewaysHealthEndpoints()
    {
        var container = GatewayContainer;

        Assert.Equal(("/_sso/readyz", "http"), (container.Str("readinessProbe.httpGet.path"), container.Str("readinessProbe.httpGet.port")));
        Assert.Equal(("/_sso/healthz", "http"), (container.Str("livenessProbe.httpGet.path"), container.Str("livenessProbe.httpGet.port")));
        Assert.Contains(container.Items("ports"), p => p.Str("name") == "http" && p.Str("containerPort") == "8080");
    }

    [Fact]
    public void Deployment_Resources_AreSizedFromTheBenchFigures()
    {
        var container = GatewayContainer;
        var request = MiB(container.Str("resources.requests.memory"));
        var limit = MiB(container.Str("resources.limits.memory"));

        Assert.True(request > IdleRssMiB, $"memory request {request} Mi is below the idle RSS ({IdleRssMiB} MB)");
        Assert.True(limit > BusyRssMiB, $"memory limit {limit} Mi is below what bench/ predicts at the default cache size ({BusyRssMiB} MB)");
        Assert.NotNull(container.Str("resources.requests.cpu"));
        Assert.Null(container.Str("resources.limits.cpu"));
    }

    [Fact]
    public void Deployment_Pod_IsHardened()
    {
        var pod = PodSpec;
        var container = GatewayContainer;

        Assert.Equal("false", pod.Str("automountServiceAccountToken"));
        Assert.Equal("true", pod.Str("securityContext.runAsNonRoot"));
        Assert.Equal("RuntimeDefault", pod.Str("securityContext.seccompProfile.type"));
        Assert.Equal("true", container.Str("securityContext.readOnlyRootFilesystem"));
        Assert.Equal("false", container.Str("securityContext.allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], container.Items("securityContext.capabilities.drop").Select(c => c.ToString()));
        var tmp = Assert.Single(container.Items("volumeMounts"), m => m.Str("mountPath") == "/tmp");
        Assert.NotNull(Assert.Single(pod.Items("volumes"), v => v.Str("name") == tmp.Str("name")).At("emptyDir"));
    }

    [Fact]
    public void Deployment_StopsGracefully_AndSpreadsOverHosts_WithADisruptionBudget()
    {
        var pod = PodSpec;
        var preStop = int.Parse(GatewayContainer.Str("lifecycle.preStop.sleep.seconds") ?? "0");

        Assert.InRange(preStop, 5, 30);
        // preStop, then up to 30 s of graceful stop inside the gateway, within the grace period.
        Assert.True(int.Parse(pod.Str("terminationGracePeriodSeconds") ?? "30") >= preStop + 30);
        Assert.Contains(pod.Items("topologySpreadConstraints"), c => c.Str("topologyKey") == "kubernetes.io/hostname"
            && c.Str("whenUnsatisfiable") == "DoNotSchedule" && Label(c.At("labelSelector"), "app.kubernetes.io/name") == Gateway);
        var budget = Manifests.Single("PodDisruptionBudget", Gateway);
        Assert.Equal(Gateway, budget.At("spec.selector.matchLabels")!["app.kubernetes.io/name"]!.ToString());
        Assert.Equal("1", budget.Str("spec.maxUnavailable"));
        Assert.Equal("0", Manifests.Single("Deployment", Gateway).Str("spec.strategy.rollingUpdate.maxUnavailable"));
    }

    [Fact]
    public void Deployment_TrustsForwardedHeadersOnlyFromNamedProxies()
    {
        var env = GatewayContainer.Items("env").ToDictionary(e => e.Str("name")!, e => e.Str("value"));

        Assert.DoesNotContain("ASPNETCORE_FORWARDEDHEADERS_ENABLED", env.Keys);
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+/\d+$", env["Sso__ForwardedHeaders__KnownNetworks__0"]);
        Assert.Equal("1", env["Sso__ForwardedHeaders__ForwardLimit"]);
    }

    [Fact]
    public void NetworkPolicies_OnlyTheIngressReachesTheGateway_OnlyTheGatewayReachesBackendsAndRedis()
    {
        var policies = Manifests.Where(m => m.Str("kind") == "NetworkPolicy").ToList();

        var gateway = Selecting(policies, "app.kubernetes.io/name", Gateway);
        var from = Assert.Single(Assert.Single(gateway.Items("spec.ingress")).Items("from"));
        Assert.Equal("ingress-nginx", Label(from.At("namespaceSelector"), "kubernetes.io/metadata.name"));
        Assert.Contains("Egress", gateway.Items("spec.policyTypes").Select(t => t.ToString()));

        foreach (var (key, value) in new[] { (BackendLabel, "true"), ("app.kubernetes.io/name", "redis") })
        {
            var policy = Selecting(policies, key, value);
            Assert.Contains("Ingress", policy.Items("spec.policyTypes").Select(t => t.ToString()));
            var peers = policy.Items("spec.ingress").SelectMany(rule => rule.Items("from")).ToList();
            Assert.Contains(peers, p => Label(p.At("podSelector"), "app.kubernetes.io/name") == Gateway);
            // Nobody else: every peer is the gateway or (for Redis replication) Redis itself; no namespace-wide or IP peer.
            Assert.All(peers, p => Assert.True(p.At("namespaceSelector") is null && p.At("ipBlock") is null
                && Label(p.At("podSelector"), "app.kubernetes.io/name") is { } name && (name == Gateway || name == value), p.ToJsonString()));
        }
    }

    [Fact]
    public void HorizontalPodAutoscaler_ScalesTheDeployment_NeverBelowTwo()
    {
        var hpa = YamlDocuments.Load(Path.Combine(Kubernetes, "hpa.yaml")).Single("HorizontalPodAutoscaler", Gateway);

        Assert.Equal(("Deployment", Gateway), (hpa.Str("spec.scaleTargetRef.kind"), hpa.Str("spec.scaleTargetRef.name")));
        Assert.True(int.Parse(hpa.Str("spec.minReplicas")!) >= 2);
        Assert.Contains(hpa.Items("spec.metrics"), m => m.Str("resource.name") == "cpu");
    }

    [Fact]
    public async Task Kustomize_RendersHashSuffixedNames_AndRefusesWithoutTheOperatorsSecrets()
    {
        if (Kubectl() is not { } kubectl)
        {
            return; // kubectl is not a Debian package; where it is missing, the parsed checks above stand alone.
        }
        var folder = Directory.CreateTempSubdirectory("ssogw-kustomize-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Kubernetes).Where(f => !f.EndsWith(".gitignore", StringComparison.Ordinal)
                && Path.GetFileName(f) is not ("users.json" or "redis.env")))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }
            var (refused, _) = await RunAsync(kubectl, "kustomize", folder);
            Assert.NotEqual(0, refused);

            File.Copy(Path.Combine(RepositoryRoot.Path, "config", "users.json"), Path.Combine(folder, "users.json"));
            await File.WriteAllTextAsync(Path.Combine(folder, "redis.env"), "redis=redis:6379,user=ssogateway,password=from-the-operator\n");
            var (status, output) = await RunAsync(kubectl, "kustomize", folder);
            Assert.True(status == 0, output);

            var rendered = YamlDocuments.Parse(output);
            var configMap = Assert.Single(rendered, d => d.Str("kind") == "ConfigMap").Str("metadata.name")!;
            var secret = Assert.Single(rendered, d => d.Str("kind") == "Secret").Str("metadata.name")!;
            Assert.Matches("^ssogateway-config-[a-z0-9]{10}$", configMap);
            Assert.Matches("^ssogateway-secrets-[a-z0-9]{10}$", secret);
            var pod = rendered.Single("Deployment", Gateway).At("spec.template.spec")!;
            var sources = Assert.Single(pod.Items("volumes"), v => v.Str("name") == "config").Items("projected.sources").ToList();
            Assert.Contains(sources, s => s.Str("configMap.name") == configMap);
            Assert.Contains(sources, s => s.Str("secret.name") == secret);
            Assert.Contains(Assert.Single(pod.Items("containers")).Items("env"), e => e.Str("valueFrom.secretKeyRef.name") == secret);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Compose: only the TLS proxy publishes a port, on loopback; the gateways keep the Secure cookie and trust that
    /// proxy's fixed address, which lies in the network Compose is told to create; the proxy runs the nginx example.
    /// </summary>
    [Fact]
    public void Compose_PublishesOnlyTheTlsProxyOnLoopback_AndTheGatewaysTrustOnlyIt()
    {
        var compose = YamlDocuments.Load(Path.Combine(RepositoryRoot.Path, "deploy", "compose", "docker-compose.yml")).Single();
        var services = compose["services"]!.AsObject();

        var published = services.Where(s => s.Value!.Items("ports").Any()).ToList();
        Assert.Equal("tls-proxy", Assert.Single(published).Key);
        Assert.All(published[0].Value!.Items("ports"), p => Assert.StartsWith("127.0.0.1:", p.ToString()));
        var proxy = services["tls-proxy"]!;
        Assert.Contains(proxy.Items("volumes"), v => v.ToString().StartsWith("../nginx/ssogateway.conf:", StringComparison.Ordinal));
        var proxyAddress = proxy.Str("networks.default.ipv4_address")!;
        var subnet = Assert.Single(compose.Items("networks.default.ipam.config")).Str("subnet")!;
        Assert.True(System.Net.IPNetwork.Parse(subnet).Contains(System.Net.IPAddress.Parse(proxyAddress)), $"{proxyAddress} is outside {subnet}");

        foreach (var gateway in new[] { "gateway1", "gateway2" })
        {
            var environment = services[gateway]!["environment"]!.AsObject();
            Assert.Equal(proxyAddress, environment["Sso__ForwardedHeaders__KnownProxies__0"]?.ToString());
            Assert.False(environment.ContainsKey("Sso__CookieSecure"), "the Secure cookie flag stays on behind TLS");
            Assert.False(environment.ContainsKey("ASPNETCORE_FORWARDEDHEADERS_ENABLED"));
            Assert.Equal("true", services[gateway]!.Str("read_only"));
        }
        Assert.Contains("noeviction", services["redis"]!.Items("command").Select(c => c.ToString()));
    }

    [Fact]
    public void Dockerfile_PinsBaseImagesByDigest_AndRestoresFromTheLockFile()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "Dockerfile"));
        var froms = dockerfile.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, froms.Count);
        Assert.All(froms, from => Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/(sdk|aspnet):10\.0@sha256:[0-9a-f]{64} AS \w+$", from));
        Assert.Contains(dockerfile, l => l.StartsWith("COPY ", StringComparison.Ordinal) && l.Contains("Gateway/packages.lock.json"));
        Assert.Contains(dockerfile, l => l.StartsWith("COPY Directory.Build.props", StringComparison.Ordinal));
        Assert.Contains(dockerfile, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal) && l.Contains("--locked-mode"));
    }

    /// <summary>
    /// A PackageReference added or changed without its lock file regenerated would pass here (restore updates the file)
    /// and break the image build (locked mode). Every direct reference must be in the committed lock file as written.
    /// </summary>
    [Fact]
    public void LockFiles_RecordEveryPackageReference_AsWritten()
    {
        var projects = Directory.GetFiles(RepositoryRoot.Path, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")).ToList();
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            var lockFile = Path.Combine(Path.GetDirectoryName(project)!, "packages.lock.json");
            Assert.True(File.Exists(lockFile), $"{project} has no packages.lock.json: run dotnet restore and commit it");
            var locked = JsonNode.Parse(File.ReadAllText(lockFile))!["dependencies"]!.AsObject()
                .SelectMany(framework => framework.Value!.AsObject())
                .Where(p => p.Value!["type"]?.ToString() == "Direct")
                .ToDictionary(p => p.Key, p => p.Value!["requested"]!.ToString(), StringComparer.OrdinalIgnoreCase);
            foreach (Match reference in PackageReference().Matches(File.ReadAllText(project)))
            {
                var (name, version) = (reference.Groups["name"].Value, reference.Groups["version"].Value);
                Assert.True(locked.TryGetValue(name, out var requested) && requested == $"[{version}, )",
                    $"{Path.GetFileName(lockFile)} of {Path.GetFileName(project)}: {name} {version} is not locked as written; run dotnet restore and commit the lock file");
            }
        }
    }

    private static JsonNode Selecting(IEnumerable<JsonObject> policies, string key, string value) =>
        Assert.Single(policies, p => Label(p.At("spec.podSelector"), key) == value);

    private static string? Label(JsonNode? selector, string key) =>
        selector?["matchLabels"] is JsonObject labels && labels.TryGetPropertyValue(key, out var v) ? v?.ToString() : null;

    private static long MiB(string? quantity)
    {
        var match = Quantity().Match(quantity ?? "");
        Assert.True(match.Success, $"'{quantity}' is not a memory quantity in Mi or Gi");
        return long.Parse(match.Groups["n"].Value) * (match.Groups["unit"].Value == "Gi" ? 1024 : 1);
    }

    private static string? Kubectl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "kubectl")).FirstOrDefault(File.Exists);

    private static async Task<(int Status, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"change-?me", RegexOptions.IgnoreCase)]
    private static partial Regex ChangeMe();

    [GeneratedRegex(@"<PackageReference\s+Include=""(?<name>[^""]+)""\s+Version=""(?<version>[^""]+)""")]
    private static partial Regex PackageReference();

    [GeneratedRegex(@"^(?<n>\d+)(?<unit>Mi|Gi)$")]
    private static partial Regex Quantity();
}
