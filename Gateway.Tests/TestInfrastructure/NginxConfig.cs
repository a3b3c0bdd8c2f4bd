using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// The repository's nginx files (server blocks meant for nginx's <c>http {}</c>) in a temporary prefix of their own:
/// a minimal main configuration that includes them, its own logs, temp folders and pid, so neither the system
/// service nor its files are touched. <see cref="TestAsync"/> is <c>nginx -t</c>; <see cref="StartAsync"/> runs it in
/// the foreground as a single process (no user switch) until disposed.
/// </summary>
public sealed class NginxConfig : IAsyncDisposable
{
    private Process? _process;

    public NginxConfig()
    {
        Prefix = Directory.CreateTempSubdirectory("ssogw-nginx-").FullName;
        Directory.CreateDirectory(Path.Combine(Prefix, "conf.d"));
    }

    public string Prefix { get; }

    public string ErrorLog => Path.Combine(Prefix, "error.log");

    /// <summary>
    /// Copies a repository file into the included folder, applying <paramref name="replacements"/> (each must occur:
    /// a replacement that no longer matches means the example changed under the test).
    /// </summary>
    public void Include(string repositoryFile, params (string From, string To)[] replacements)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, repositoryFile));
        foreach (var (from, to) in replacements)
        {
            Assert.True(text.Contains(from, StringComparison.Ordinal), $"{repositoryFile} no longer contains '{from}'");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        File.WriteAllText(Path.Combine(Prefix, "conf.d", repositoryFile.Replace('/', '_')), text);
    }

    public void IncludeText(string name, string text) => File.WriteAllText(Path.Combine(Prefix, "conf.d", name), text);

    /// <summary><c>nginx -t</c>: exit code and everything it printed.</summary>
    public async Task<(int Status, string Output)> TestAsync()
    {
        WriteMain();
        using var process = Launch("-t");
        var output = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await output);
    }

    /// <summary>Starts nginx and waits until <paramref name="port"/> accepts connections.</summary>
    public async Task StartAsync(int port)
    {
        var (status, output) = await TestAsync();
        Assert.True(status == 0, output);
        _process = Launch();
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Poll.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited: {await File.ReadAllTextAsync(ErrorLog)}");
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
        }, TimeSpan.FromSeconds(10), $"nginx listens on {port}");
    }

    private void WriteMain()
    {
        var temp = Path.Combine(Prefix, "temp");
        Directory.CreateDirectory(temp);
        File.WriteAllText(Path.Combine(Prefix, "nginx.conf"), $$"""
            daemon off;
            master_process off;
            pid {{Prefix}}/nginx.pid;
            error_log {{ErrorLog}} info;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{temp}}/client_body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                include {{Prefix}}/conf.d/*.conf;
            }
            """);
    }

    private Process Launch(params string[] extra)
    {
        var executable = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is not installed: run the README's test command, which installs it.");
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-p", Prefix, "-c", Path.Combine(Prefix, "nginx.conf"), "-e", ErrorLog }.Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Directory.Delete(Prefix, recursive: true);
    }
}
