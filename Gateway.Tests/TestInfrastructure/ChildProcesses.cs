using System.Diagnostics;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// The processes a multi-process Redis fixture starts (servers, sentinels) and the temporary folder they work in:
/// started from Debian's binaries with their output drained, all killed and the folder removed on dispose.
/// </summary>
public sealed class ChildProcesses(string folderPrefix) : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    public string Folder { get; } = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    /// <summary>Starts a long-running process that lives until dispose.</summary>
    public void Start(string program, params string[] args) => _processes.Add(Launch(program, args));

    /// <summary>Starts a one-shot command; the caller waits for it and disposes it.</summary>
    public static Process Launch(string program, params string[] args)
    {
        var executable = new[] { "/usr/bin/", "/usr/local/bin/" }.Select(d => d + program).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{program} is not installed: run the README's test command, which installs it.");
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        Directory.Delete(Folder, recursive: true);
    }
}
