using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Kubernetes updates ConfigMap and Secret volumes by swapping a <c>..data</c> symlink, which inotify-based file
/// watching misses. deploy/kubernetes avoids in-place edits altogether (hash-suffixed generators: an edit is a
/// rollout), but a deployment that mounts a plain ConfigMap or Secret sets <c>DOTNET_USE_POLLING_FILE_WATCHER=true</c>;
/// this proves that, with it, an edit of users.json delivered that way applies to the running gateway.
/// </summary>
public sealed class KubernetesConfigVolumeTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("ssogw-k8s-").FullName;

    [Fact]
    public async Task UsersJsonUpdatedBySymlinkSwap_WithPollingWatcher_RemovedUserIsSignedOut()
    {
        var config = Path.Combine(_contentRoot, "config");
        var exampleUsers = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config", "users.json")))!;
        WriteVersion(config, "..v1", exampleUsers.ToJsonString());
        var withoutAlice = exampleUsers.DeepClone();
        withoutAlice["users"]![0]!["username"] = "bob";
        WriteVersion(config, "..v2", withoutAlice.ToJsonString());
        File.CreateSymbolicLink(Path.Combine(config, "..data"), "..v1");
        File.CreateSymbolicLink(Path.Combine(config, "gateway.json"), "..data/gateway.json");
        File.CreateSymbolicLink(Path.Combine(config, "users.json"), "..data/users.json");

        // Port 0 and the port the gateway reports: a port picked beforehand could be taken meanwhile by another
        // test's server, which would then answer in the gateway's place.
        await using var gateway = GatewayProcess.Start(_contentRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["DOTNET_USE_POLLING_FILE_WATCHER"] = "true",
            ["Sso__Redis"] = "",
            ["Sso__CookieSecure"] = "false",
        });
        // www.example.com (the example's cookie domain) on loopback, so the cookie jar applies the real Domain rules.
        var port = await gateway.WaitUntilListeningAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = new CookieContainer(),
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        {
            BaseAddress = new Uri($"http://www.example.com:{port}"),
        };
        await Poll.UntilAsync(async () => await IsHealthyAsync(http), TimeSpan.FromSeconds(30),
            $"the gateway process answers /_sso/healthz ({gateway.Errors})");
        await SignInAsync(http, "alice", "alice-example-password");
        using (var before = await http.GetAsync("/_sso/userinfo"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // What the kubelet does: a new ..data link, renamed over the old one in one step.
        File.CreateSymbolicLink(Path.Combine(config, "..data_tmp"), "..v2");
        using (var rename = Process.Start(new ProcessStartInfo("mv", ["-T", "..data_tmp", "..data"]) { WorkingDirectory = config })!)
        {
            await rename.WaitForExitAsync();
            Assert.Equal(0, rename.ExitCode);
        }

        await Poll.UntilAsync(async () =>
        {
            using var after = await http.GetAsync("/_sso/userinfo");
            return after.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(20), "the polling watcher reloads users.json and alice's session stops working");
    }

    private static void WriteVersion(string config, string version, string usersJson)
    {
        var folder = Directory.CreateDirectory(Path.Combine(config, version)).FullName;
        File.Copy(Path.Combine(RepositoryRoot.Path, "config", "gateway.json"), Path.Combine(folder, "gateway.json"));
        File.WriteAllText(Path.Combine(folder, "users.json"), usersJson);
    }

    private static async Task<bool> IsHealthyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("/_sso/healthz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task SignInAsync(HttpClient http, string username, string password)
    {
        using var formRequest = new HttpRequestMessage(HttpMethod.Get, "/_sso/login");
        formRequest.Headers.Accept.ParseAdd("text/html");
        using var form = await http.SendAsync(formRequest);
        var token = GatewayClient.FormToken(await form.Content.ReadAsStringAsync());
        using var signIn = await http.PostAsync("/_sso/login",
            new FormUrlEncodedContent(GatewayClient.SignInForm(token, username, password, returnUrl: "/")));
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);
}
