using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Identity;

/// <summary>
/// A users file mounted from a Kubernetes ConfigMap: <c>users.json</c> is a symlink to <c>..data/users.json</c>, and an
/// update swaps the <c>..data</c> symlink to a new hidden folder. The file itself is never written, so only the
/// gateway's periodic fingerprint check (final symlink target, write time, length) can notice.
/// </summary>
public sealed class ConfigMapUsersFileTests
{
    [Fact]
    public async Task ConfigMapSymlinkSwap_AddedUserCanSignInWithoutRestart()
    {
        var root = Directory.CreateTempSubdirectory("ssogw-configmap-").FullName;
        await WriteVersionAsync(root, "..2026_v1", [TestUsers.Alice]);
        File.CreateSymbolicLink(Path.Combine(root, "..data"), "..2026_v1");
        File.CreateSymbolicLink(Path.Combine(root, "users.json"), Path.Combine("..data", "users.json"));
        await using var gateway = await GatewayHost.StartAsync(sharedContentRoot: root);
        Assert.False(await CanSignInAsync(gateway, TestUsers.Bob));

        // What the kubelet does: a new timestamped folder, a new symlink next to ..data, renamed over it.
        await WriteVersionAsync(root, "..2026_v2", [TestUsers.Alice, TestUsers.Bob]);
        File.CreateSymbolicLink(Path.Combine(root, "..data_tmp"), "..2026_v2");
        await RenameOverAsync(Path.Combine(root, "..data_tmp"), Path.Combine(root, "..data"));
        Directory.Delete(Path.Combine(root, "..2026_v1"), recursive: true);

        await Poll.UntilAsync(() => CanSignInAsync(gateway, TestUsers.Bob), TimeSpan.FromSeconds(10), "the swapped-in user can sign in");
        Assert.True(await CanSignInAsync(gateway, TestUsers.Alice));
    }

    private static async Task WriteVersionAsync(string root, string folder, IEnumerable<TestUsers.User> users)
    {
        Directory.CreateDirectory(Path.Combine(root, folder));
        await File.WriteAllTextAsync(Path.Combine(root, folder, "users.json"), TestUsers.FileContent(users));
    }

    // rename(2) of a symlink over a symlink to a folder; File.Move refuses a destination that resolves to a folder.
    private static async Task RenameOverAsync(string source, string destination)
    {
        using var mv = System.Diagnostics.Process.Start("mv", ["-T", source, destination]);
        await mv.WaitForExitAsync();
        Assert.Equal(0, mv.ExitCode);
    }

    private static async Task<bool> CanSignInAsync(GatewayHost gateway, TestUsers.User user)
    {
        using var client = gateway.CreateClient();
        using var response = await client.SignInAsync(GatewayHost.App1, user);
        return response.StatusCode == HttpStatusCode.Found;
    }
}
