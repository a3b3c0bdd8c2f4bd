using System.Diagnostics;
using System.Text.Json;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// An independent verifier of the gateway's signed identity: Node's <c>jose</c> (pinned by
/// <c>Gateway.Tests/Assertion/Verifier/package-lock.json</c>, installed by scripts/test.sh), reading the key set over
/// HTTP as a backend would. One process answers any number of tokens; disposed, it is killed.
/// </summary>
public sealed class JoseVerifier : IDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _turn = new(1, 1);

    private JoseVerifier(Process process) => _process = process;

    public static string Folder => Path.Combine(RepositoryRoot.Path, "Gateway.Tests", "Assertion", "Verifier");

    public static JoseVerifier Start(string jwksUrl, string issuer)
    {
        if (!File.Exists(Path.Combine(Folder, "node_modules", "jose", "package.json")))
        {
            throw new InvalidOperationException($"jose is not installed in {Folder}: run `bash scripts/test.sh` (it runs npm ci there).");
        }
        var node = new[] { "/usr/bin/node", "/usr/local/bin/node" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("node is not installed: run `bash scripts/test.sh`.");
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "verify.mjs", jwksUrl, issuer })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new JoseVerifier(process);
    }

    /// <summary>What jose says of <paramref name="token"/> for <paramref name="audience"/>.</summary>
    public async Task<Verdict> VerifyAsync(string token, string audience)
    {
        await _turn.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(token + "\t" + audience);
            await _process.StandardInput.FlushAsync();
            var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))
                ?? throw new InvalidOperationException("the verifier stopped");
            var root = JsonDocument.Parse(line).RootElement.Clone();
            return root.GetProperty("ok").GetBoolean()
                ? new Verdict(true, null, root.GetProperty("header"), root.GetProperty("payload"))
                : new Verdict(false, root.GetProperty("code").GetString() + ": " + root.GetProperty("message").GetString(), default, default);
        }
        finally
        {
            _turn.Release();
        }
    }

    public sealed record Verdict(bool Ok, string? Error, JsonElement Header, JsonElement Payload);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _turn.Dispose();
    }
}
