using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Debian's <c>caddy</c> in a temporary folder of its own: a Caddyfile with test-only global options (no admin
/// endpoint, no automatic HTTPS, data and configuration folders inside the temporary folder) that imports repository
/// files copied there, run in the foreground until disposed. The system service is never used.
/// </summary>
public sealed class CaddyServer : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public CaddyServer()
    {
        Folder = Directory.CreateTempSubdirectory("ssogw-caddy-").FullName;
    }

    public string Folder { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Copies a repository file next to the Caddyfile, applying <paramref name="replacements"/> (each must occur: a
    /// replacement that no longer matches means the example changed under the test), and returns its path.
    /// </summary>
    public string Include(string repositoryFile, params (string From, string To)[] replacements)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, repositoryFile));
        foreach (var (from, to) in replacements)
        {
            Assert.True(text.Contains(from, StringComparison.Ordinal), $"{repositoryFile} no longer contains '{from}'");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        var path = Path.Combine(Folder, repositoryFile.Replace('/', '_'));
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Writes the main Caddyfile (test globals, then an import of every included file) and starts Caddy.</summary>
    public async Task StartAsync(int port, params string[] includedFiles)
    {
        var caddyfile = Path.Combine(Folder, "Caddyfile");
        var imports = string.Join("\n", includedFiles.Select(f => $"import {f}"));
        await File.WriteAllTextAsync(caddyfile, $$"""
            {
            	admin off
            	auto_https off
            	storage file_system {{Folder}}/data
            }

            {{imports}}
            """);
        var executable = new[] { "/usr/bin/caddy", "/usr/local/bin/caddy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("caddy is not installed: run the README's test command, which installs it.");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (var arg in new[] { "run", "--config", caddyfile, "--adapter", "caddyfile" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = Folder;
        start.Environment["XDG_DATA_HOME"] = Path.Combine(Folder, "data");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Folder, "config");
        _process = Process.Start(start) ?? throw new InvalidOperationException("caddy did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Poll.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"caddy exited: {Output}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), $"caddy listens on {port}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
