using System.Diagnostics;
using System.Text;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Runs Debian's server binaries for the directory fixtures (PostgreSQL, MariaDB, slapd): as an unprivileged
/// system user when the tests run as root (PostgreSQL refuses root), with output kept for the error message.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Sends a signal (<c>STOP</c>, <c>CONT</c>) to the server and every process under it: a stopped server keeps its
    /// connections open and answers nothing, the way a hung directory does.
    /// </summary>
    public void Signal(string signal)
    {
        var tree = new List<int> { _process.Id };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(ChildrenOf(tree[i]));
        }
        using var kill = Process.Start("kill", [$"-{signal}", .. tree.Select(pid => pid.ToString())]);
        kill!.WaitForExit();
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            string text;
            try
            {
                text = File.ReadAllText(stat);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], out var ppid) && ppid == parent
                && int.TryParse(Path.GetFileName(Path.GetDirectoryName(stat)), out var pid))
            {
                yield return pid;
            }
        }
    }

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

    /// <summary>Starts a long-running server.</summary>
    public static ServerProcess Start(string executable, IEnumerable<string> args, string? asUser = null) =>
        new(Process.Start(StartInfo(executable, args, asUser)) ?? throw new InvalidOperationException($"{executable} did not start."));

    /// <summary>
    /// Starts a server and waits until it answers. <paramref name="start"/> picks a free port each time: a port free a
    /// moment ago may be taken by a parallel test's server first, and then another is tried (three times in all).
    /// </summary>
    public static async Task<ServerProcess> StartAndWaitAsync(string name, Func<ServerProcess> start, Func<Task<bool>> answers, TimeSpan timeout)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = start();
            try
            {
                await Poll.UntilAsync(async () => server.HasExited
                    ? throw new InvalidOperationException($"{name} exited: {server.Output}")
                    : await answers(), timeout, $"{name} answers");
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Stops a fixture's server and removes its temporary folder (what a still-exiting process holds stays for the OS cleaner).</summary>
    public static async Task StopAndRemoveAsync(ServerProcess? server, string folder)
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
        try
        {
            if (folder.Length > 0)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs a command to its end and throws with its output when it fails.</summary>
    public static async Task RunAsync(string executable, IEnumerable<string> args, string? asUser = null, string? input = null)
    {
        var start = StartInfo(executable, args, asUser);
        start.RedirectStandardInput = input is not null;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout} {await stderr}");
        }
    }

    /// <summary>The first of <paramref name="candidates"/> that exists, or a message saying how to get it.</summary>
    public static string Find(params string[] candidates) =>
        candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{Path.GetFileName(candidates[0])} is not installed: run the README's test command, which installs it.");

    /// <summary>Gives a folder to a system user (servers that refuse to run as root need to own their data).</summary>
    public static void GiveTo(string folder, string user)
    {
        if (Environment.UserName != "root")
        {
            return;
        }
        using var chown = Process.Start("chown", ["-R", $"{user}:{user}", folder]);
        chown!.WaitForExit();
    }

    private static ProcessStartInfo StartInfo(string executable, IEnumerable<string> args, string? asUser)
    {
        var runAs = asUser is not null && Environment.UserName == "root";
        var start = new ProcessStartInfo(runAs ? "/usr/sbin/runuser" : executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runAs)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(asUser!);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(executable);
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
