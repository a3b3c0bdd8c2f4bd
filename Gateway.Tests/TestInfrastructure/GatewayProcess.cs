using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// The built <c>Gateway.dll</c> run as its own process, as the container runs it (<c>dotnet Gateway.dll …</c>):
/// for what lives in Program.cs or depends on process-wide settings such as environment variables.
/// Killed on dispose if still running.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private GatewayProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_errors, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public string Errors { get { lock (_errors) { return _errors.ToString(); } } }

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory of the process now (<c>VmRSS</c> from <c>/proc</c>), in bytes.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
    }

    public static GatewayProcess Start(string workingDirectory, IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return new GatewayProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>The port from the "Now listening on" log line, once the gateway is up (for <c>--urls http://127.0.0.1:0</c>).</summary>
    public async Task<int> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var port = 0;
        await Poll.UntilAsync(() =>
        {
            Assert.False(_process.HasExited, $"the gateway exited: {Errors}{Output}");
            var match = ListeningOn().Match(Output);
            port = match.Success ? int.Parse(match.Groups[1].Value) : 0;
            return match.Success;
        }, timeout, "the gateway listens");
        return port;
    }

    [GeneratedRegex(@"Now listening on: \\?""?http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningOn();

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (target)
        {
            target.AppendLine(line);
        }
    }

    /// <summary>Asks the gateway to stop as an orchestrator does (SIGTERM) and waits until it has.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]))!)
        {
            await kill.WaitForExitAsync();
        }
        return await WaitForExitAsync(timeout);
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
