using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace Gateway.Tests.Identity;

/// <summary><c>dotnet Gateway.dll hash-password</c> as an operator runs it: a real process, the password on stdin (SPEC §10).</summary>
public sealed class HashPasswordCommandTests
{
    [Theory]
    [InlineData("correct horse battery staple\n")]
    [InlineData("no-trailing-newline")]
    [InlineData("pässwörd 张三 🔑\n")]
    public async Task HashPassword_PrintsAnIdentityV3HashThatVerifies(string stdin)
    {
        var password = stdin.TrimEnd('\n');

        var (exitCode, stdout, stderr) = await RunAsync(stdin);

        Assert.True(exitCode == 0, $"exit {exitCode}: {stderr}");
        var hash = stdout.Trim();
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var hasher = new PasswordHasher<object>();
        Assert.NotEqual(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(new object(), hash, password));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(new object(), hash, password + "x"));
        AssertVersion3Layout(hash);
    }

    [Fact]
    public async Task HashPassword_TwiceForTheSamePassword_GivesDifferentSalts()
    {
        var first = (await RunAsync("same-password\n")).Stdout.Trim();
        var second = (await RunAsync("same-password\n")).Stdout.Trim();

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    public async Task HashPassword_WithEmptyStdin_FailsWithAMessageAndPrintsNoHash(string stdin)
    {
        var (exitCode, stdout, stderr) = await RunAsync(stdin);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", stdout.Trim());
        Assert.Contains("hash-password", stderr);
    }

    /// <summary>0x01, PRF (uint32 BE, 0..2), iterations (uint32 BE), salt length (uint32 BE), salt, PBKDF2 subkey.</summary>
    private static void AssertVersion3Layout(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1));
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5));
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9));
        Assert.InRange(prf, 0u, 2u);
        Assert.InRange(iterations, 100_000u, uint.MaxValue);
        Assert.InRange(saltLength, 16u, 64u);
        var subkeyLength = bytes.Length - 13 - (int)saltLength;
        Assert.InRange(subkeyLength, 32, 64);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string stdin)
    {
        var gatewayDll = Path.Combine(AppContext.BaseDirectory, "Gateway.dll");
        Assert.True(File.Exists(gatewayDll), $"the built gateway is next to the tests: {gatewayDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(gatewayDll);
        start.ArgumentList.Add("hash-password");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
