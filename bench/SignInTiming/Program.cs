// Sign-in timing: does a failed sign-in take measurably longer (or shorter) for an unknown username than for a
// known username with a wrong password? Starts the real gateway in this process on a loopback port, signs in
// through the real form (GET for the antiforgery token, untimed; POST timed), alternating the two kinds so that
// drift hits both alike, and prints medians and the gap.
//
//   dotnet run -c Release --project bench/SignInTiming -- [--samples 200] [--iterations 100000]
//
// --iterations is the PBKDF2 iteration count of the users' hashes in the generated users.json (ASP.NET Core
// Identity's default is 100000). A count different from the default shows whether the unknown-user path keeps
// pace with the directory's own hashes.

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

var samples = Argument("--samples", 200);
var iterations = Argument("--iterations", 100_000);

var contentRoot = Directory.CreateTempSubdirectory("ssogw-timing-").FullName;
var hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = iterations }));
await File.WriteAllTextAsync(Path.Combine(contentRoot, "users.json"), JsonSerializer.Serialize(new
{
    users = new[] { new { username = "alice", passwordHash = hasher.HashPassword(new object(), "alice-password"), email = "a@example.com", name = "Alice", groups = new[] { "staff" } } },
}));

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    EnvironmentName = "Production",
    ContentRootPath = contentRoot,
    ApplicationName = typeof(GatewayHostingExtensions).Assembly.GetName().Name,
});
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Serilog:MinimumLevel:Default"] = "Error",
    ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Error",
    ["Sso:CookieSecure"] = "false",
    ["Sso:UsersFile"] = "users.json",
    ["Sso:Lockout:MaxFailures"] = "1000000",
    ["ReverseProxy:Routes:all:ClusterId"] = "none",
    ["ReverseProxy:Routes:all:Match:Path"] = "{**catch-all}",
    ["ReverseProxy:Clusters:none:Destinations:d1:Address"] = "http://127.0.0.1:9/",
});
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.AddSsoGateway();
var app = builder.Build();
app.MapSsoGateway();
await app.StartAsync();
var baseUrl = app.Urls.First();

using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
{
    BaseAddress = new Uri(baseUrl),
};

Console.WriteLine($"Sign-in timing: {samples} samples per kind, users' hashes {iterations} PBKDF2 iterations, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
for (var i = 0; i < 10; i++)
{
    await TimeFailedSignInAsync("alice");
    await TimeFailedSignInAsync("nobody-" + i);
}
var unknown = new List<double>(samples);
var wrongPassword = new List<double>(samples);
for (var i = 0; i < samples; i++)
{
    // Alternate which kind goes first, so neither always follows the other.
    if (i % 2 == 0)
    {
        unknown.Add(await TimeFailedSignInAsync("nobody-" + i));
        wrongPassword.Add(await TimeFailedSignInAsync("alice"));
    }
    else
    {
        wrongPassword.Add(await TimeFailedSignInAsync("alice"));
        unknown.Add(await TimeFailedSignInAsync("nobody-" + i));
    }
}

Report("unknown user  ", unknown);
Report("wrong password", wrongPassword);
var gap = Percentile(unknown, 50) - Percentile(wrongPassword, 50);
Console.WriteLine($"median gap (unknown - wrong password): {gap:+0.00;-0.00} ms ({gap / Percentile(wrongPassword, 50):+0.0%;-0.0%})");
await app.StopAsync();
await app.DisposeAsync();
Directory.Delete(contentRoot, recursive: true);
return 0;

async Task<double> TimeFailedSignInAsync(string username)
{
    var form = await client.GetStringAsync("/_sso/login");
    var token = WebUtility.HtmlDecode(Regex.Match(form, "name=\"__antiforgery\" value=\"([^\"]*)\"").Groups[1].Value);
    using var content = new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["__antiforgery"] = token, ["username"] = username, ["password"] = "not-the-password", ["returnUrl"] = "/",
    });
    var started = Stopwatch.GetTimestamp();
    using var response = await client.PostAsync("/_sso/login", content);
    await response.Content.ReadAsByteArrayAsync();
    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    if (response.StatusCode != HttpStatusCode.Unauthorized)
    {
        throw new InvalidOperationException($"expected 401 for {username}, got {(int)response.StatusCode}");
    }
    return elapsed;
}

static void Report(string label, List<double> values) =>
    Console.WriteLine($"{label}: median {Percentile(values, 50),7:0.00} ms   p10 {Percentile(values, 10),7:0.00} ms   p90 {Percentile(values, 90),7:0.00} ms");

static double Percentile(List<double> values, double percent)
{
    var sorted = values.Order().ToArray();
    var rank = percent / 100 * (sorted.Length - 1);
    var low = (int)Math.Floor(rank);
    var high = Math.Min(low + 1, sorted.Length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}
