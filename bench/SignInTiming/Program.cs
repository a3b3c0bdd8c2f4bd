// Sign-in timing: does a failed sign-in take measurably longer (or shorter) for an unknown username than for a
// known username with a wrong password, in each kind of directory? For each row it starts the real gateway in this
// process on a loopback port with that one directory, signs in through the real form (GET for the antiforgery token,
// untimed; POST timed), alternating the two kinds so that drift hits both alike, and prints medians and the gap.
// LDAP and SQL rows run against real servers the program starts itself (slapd, PostgreSQL, MariaDB; see Servers.cs).
//
//   dotnet run -c Release --project bench/SignInTiming -- [--samples 100] [--iterations 100000] [--only file,ldap-ssha,...]
//
// --iterations is the PBKDF2 iteration count of the users file's hashes (ASP.NET Core Identity's default is 100000);
// a count different from the default shows whether the unknown-user path keeps pace with the directory's own hashes.
// Rows: file, ldap-ssha, ldap-argon2, ldap-argon2-dummybind, pg-bcrypt, pg-argon2id, pg-identity, maria-bcrypt, maria-argon2id, maria-identity.

using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Hosting;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

const string Password = "alice-password";
var samples = Argument("--samples", 100);
var iterations = Argument("--iterations", 100_000);
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',') ?? [];
bool Wanted(string row) => only.Length == 0 || only.Contains(row);

Console.WriteLine($"Sign-in timing: {samples} samples per kind, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
var results = new List<(string Directory, string Hashes, List<double> Unknown, List<double> WrongPassword)>();

if (Wanted("file"))
{
    var hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = iterations }));
    await MeasureAsync("users file", $"Identity v3, {iterations} iterations", new()
    {
        ["Sso:UsersFile"] = "users.json",
    }, root => File.WriteAllTextAsync(Path.Combine(root, "users.json"), JsonSerializer.Serialize(new
    {
        users = new[] { new { username = "alice", passwordHash = hasher.HashPassword(new object(), Password), email = "a@example.com", name = "Alice", groups = new[] { "staff" } } },
    })));
}

foreach (var (row, scheme, dummyBind) in new[] { ("ldap-ssha", "{SSHA}", false), ("ldap-argon2", "{ARGON2}", false), ("ldap-argon2-dummybind", "{ARGON2}", true) })
{
    if (!Wanted(row))
    {
        continue;
    }
    await using var slapd = await BenchServer.StartSlapdAsync(
        await BenchServer.SlappasswdAsync(scheme, Password), await BenchServer.SlappasswdAsync(scheme, Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));
    await MeasureAsync("LDAP (slapd)", $"userPassword {scheme} (slappasswd){(dummyBind ? ", Sso:Ldap:DummyBindDn set" : "")}", new()
    {
        ["Sso:UsersFile"] = "",
        ["Sso:Ldap:Url"] = $"ldap://127.0.0.1:{slapd.Port}",
        ["Sso:Ldap:BindDn"] = BenchServer.LdapAdminDn,
        ["Sso:Ldap:BindPassword"] = BenchServer.LdapAdminPassword,
        ["Sso:Ldap:UserSearchBase"] = BenchServer.LdapPeople,
        ["Sso:Ldap:DummyBindDn"] = dummyBind ? "uid=dummy," + BenchServer.LdapPeople : null,
    });
}

// The hashes as sites store them: PHP's password_hash defaults (bcrypt cost 10; argon2id m=65536, t=4, p=1) and
// ASP.NET Core Identity v3's default (100 000 iterations of PBKDF2-SHA512).
var sqlHashes = new (string Key, string Label, Func<string> Hash)[]
{
    ("bcrypt", "bcrypt $2y$, cost 10", () => BCrypt.Net.BCrypt.HashPassword(Password, BCrypt.Net.BCrypt.GenerateSalt(10, 'y'))),
    ("argon2id", "argon2id m=65536,t=4,p=1", () => Argon2id(Password)),
    ("identity", "Identity v3, 100000 iterations", () => new PasswordHasher<object>().HashPassword(new object(), Password)),
};
if (sqlHashes.Any(h => Wanted("pg-" + h.Key)))
{
    await using var postgres = await PostgresServer.StartAsync("gateway", "bench-db-password", "site");
    var connectionString = postgres.ConnectionString;
    foreach (var (key, label, hash) in sqlHashes.Where(h => Wanted("pg-" + h.Key)))
    {
        await postgres.ExecuteAsync($"""
            CREATE TABLE users_{key} (username text PRIMARY KEY, password_hash text NOT NULL, email text, name text, disabled boolean NOT NULL DEFAULT false);
            INSERT INTO users_{key} (username, password_hash, email, name) VALUES ('alice', @h, 'alice@example.com', 'Alice');
            """, ("h", hash()));
        await MeasureAsync("SQL, PostgreSQL", label, new()
        {
            ["Sso:UsersFile"] = "",
            ["Sso:Sql:Provider"] = "PostgreSql",
            ["Sso:Sql:ConnectionString"] = connectionString,
            ["Sso:Sql:Query"] = $"SELECT username, password_hash, email, name, '{{}}'::text[] AS groups, disabled FROM users_{key} WHERE lower(username) = lower(@username)",
        });
    }
}
if (sqlHashes.Any(h => Wanted("maria-" + h.Key)))
{
    await using var mariadb = await MariaDbServer.StartAsync("gateway", "bench-db-password", "site");
    var connectionString = mariadb.ConnectionString;
    foreach (var (key, label, hash) in sqlHashes.Where(h => Wanted("maria-" + h.Key)))
    {
        await mariadb.ExecuteAsync($"""
            CREATE TABLE users_{key} (username varchar(100) PRIMARY KEY, password_hash varchar(255) NOT NULL, email varchar(255), name varchar(255),
                disabled tinyint(1) NOT NULL DEFAULT 0) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            INSERT INTO users_{key} (username, password_hash, email, name) VALUES ('alice', @h, 'alice@example.com', 'Alice');
            """, ("h", hash()));
        await MeasureAsync("SQL, MariaDB", label, new()
        {
            ["Sso:UsersFile"] = "",
            ["Sso:Sql:Provider"] = "MySql",
            ["Sso:Sql:ConnectionString"] = connectionString,
            ["Sso:Sql:Query"] = $"SELECT username, password_hash, email, name, '' AS `groups`, disabled FROM users_{key} WHERE username = @username",
        });
    }
}

Console.WriteLine();
Console.WriteLine($"load average at the end: {LoadAverage()}");
Console.WriteLine();
Console.WriteLine("| directory | users' hashes | unknown user, median (p10–p90) | wrong password, median (p10–p90) | median gap |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (directory, hashes, unknown, wrong) in results)
{
    var gap = Percentile(unknown, 50) - Percentile(wrong, 50);
    Console.WriteLine($"| {directory} | {hashes} | {Cell(unknown)} | {Cell(wrong)} | {gap:+0.0;-0.0} ms ({gap / Percentile(wrong, 50):+0.0%;-0.0%}) |");
}
return 0;

// One row: a gateway with this one directory, warmed up, then the two kinds alternating.
async Task MeasureAsync(string directory, string hashes, Dictionary<string, string?> settings, Func<string, Task>? prepare = null)
{
    var contentRoot = Directory.CreateTempSubdirectory("ssogw-timing-").FullName;
    if (prepare is not null)
    {
        await prepare(contentRoot);
    }
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions
    {
        EnvironmentName = "Production",
        ContentRootPath = contentRoot,
        ApplicationName = typeof(GatewayHostingExtensions).Assembly.GetName().Name,
    });
    var config = new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Error",
        ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Error",
        ["Sso:CookieSecure"] = "false",
        ["Sso:Lockout:MaxFailures"] = "1000000",
        ["ReverseProxy:Routes:all:ClusterId"] = "none",
        ["ReverseProxy:Routes:all:Match:Path"] = "{**catch-all}",
        ["ReverseProxy:Clusters:none:Destinations:d1:Address"] = "http://127.0.0.1:9/",
    };
    foreach (var (key, value) in settings)
    {
        config[key] = value;
    }
    builder.Configuration.AddInMemoryCollection(config);
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.AddSsoGateway();
    await using var app = builder.Build();
    app.MapSsoGateway();
    await app.StartAsync();
    using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = new Uri(app.Urls.First()),
    };

    // Warm-up, which also lets an SQL directory read a real hash (the dummy takes its shape).
    for (var i = 0; i < 10; i++)
    {
        await TimeFailedSignInAsync(client, "alice");
        await TimeFailedSignInAsync(client, "nobody-warm-" + i);
    }
    var unknown = new List<double>(samples);
    var wrongPassword = new List<double>(samples);
    for (var i = 0; i < samples; i++)
    {
        // Alternate which kind goes first, so neither always follows the other.
        if (i % 2 == 0)
        {
            unknown.Add(await TimeFailedSignInAsync(client, "nobody-" + i));
            wrongPassword.Add(await TimeFailedSignInAsync(client, "alice"));
        }
        else
        {
            wrongPassword.Add(await TimeFailedSignInAsync(client, "alice"));
            unknown.Add(await TimeFailedSignInAsync(client, "nobody-" + i));
        }
    }
    await app.StopAsync();
    Directory.Delete(contentRoot, recursive: true);
    results.Add((directory, hashes, unknown, wrongPassword));
    var gap = Percentile(unknown, 50) - Percentile(wrongPassword, 50);
    Console.WriteLine($"{directory}, {hashes}: unknown {Cell(unknown)}, wrong password {Cell(wrongPassword)}, gap {gap:+0.00;-0.00} ms");
}

static async Task<double> TimeFailedSignInAsync(HttpClient client, string username)
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

static string Cell(List<double> values) =>
    $"{Percentile(values, 50):0.0} ms ({Percentile(values, 10):0.0}–{Percentile(values, 90):0.0})";

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

// argon2id in PHP's PHC format, with PHP's PASSWORD_ARGON2ID defaults.
static string Argon2id(string password)
{
    var salt = RandomNumberGenerator.GetBytes(16);
    using var argon2 = new Konscious.Security.Cryptography.Argon2id(Encoding.UTF8.GetBytes(password))
    {
        Salt = salt, MemorySize = 65536, Iterations = 4, DegreeOfParallelism = 1,
    };
    var hash = argon2.GetBytes(32);
    return $"$argon2id$v=19$m=65536,t=4,p=1${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(hash).TrimEnd('=')}";
}

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
