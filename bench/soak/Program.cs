// Soak: two gateway instances, one real Redis, echo backends; bounded mixed load while Redis is frozen for a few
// seconds and users sign out. Prints the counts that must be zero and the ones worth watching.
// Usage: dotnet run -c Release --project bench/soak [-- --requests 20000 --concurrency 16 --freeze 3 --store-timeout 00:00:02]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Soak;

var requests = Arg("--requests", 20_000);
var concurrency = Arg("--concurrency", 16);
var freeze = TimeSpan.FromSeconds(Arg("--freeze", 3));
var storeTimeout = TimeSpan.Parse(ArgText("--store-timeout", "00:00:02"));

var users = Enumerable.Range(1, 6).Select(i => ($"user{i}", $"password-{i}")).ToList();
await using var rig = await SoakRig.StartAsync(users, storeTimeout);
var ports = rig.GatewayPorts;
var browsers = new List<Browser>();
for (var i = 0; i < users.Count; i++)
{
    var browser = new Browser(users[i].Item1);
    var status = await browser.SignInAsync(ports[i % 2], users[i].Item2);
    if (status != HttpStatusCode.Found)
    {
        throw new InvalidOperationException($"sign-in of {browser.User} answered {(int)status}");
    }
    browsers.Add(browser);
}
using var anonymous = new Browser(null);
using var forged = new Browser(null);
foreach (var port in ports)
{
    forged.AddForgedCookie(port);
}

var counts = new ConcurrentDictionary<string, int>();
void Count(string what) => counts.AddOrUpdate(what, 1, (_, n) => n + 1);
var letThrough = 0;
var done = 0;
var clock = Stopwatch.StartNew();
DateTime? frozenAt = null, thawedAt = null;
TimeSpan? recovery = null;
string? signOutDuringFreeze = null;

async Task WorkerAsync(int worker)
{
    var random = new Random(worker);
    int n;
    while ((n = Interlocked.Increment(ref done)) <= requests)
    {
        var port = ports[random.Next(ports.Count)];
        var kind = n % 10;
        var started = DateTime.UtcNow;
        try
        {
            switch (kind)
            {
                case <= 5 or 9:
                {
                    var browser = browsers[random.Next(browsers.Count)];
                    var path = kind == 9 ? $"/public/{n}" : $"/api/{n}";
                    var (status, user) = await browser.GetAsync(port, path, spoof: random.Next(2) == 0);
                    Classify(status);
                    var signedOut = browser.SignedOutAt is { } at && started > at;
                    if (status == HttpStatusCode.OK && ((user is not null && (user != browser.User || signedOut)) || (user is null && kind != 9)))
                    {
                        Interlocked.Increment(ref letThrough);
                    }
                    if (status == HttpStatusCode.Unauthorized && !browser.SigningOut)
                    {
                        Count("401 for a signed-in user");
                    }
                    break;
                }
                case 6 or 8:
                {
                    var (status, _) = await (kind == 6 ? anonymous : forged).GetAsync(port, $"/api/{n}", spoof: true);
                    Classify(status);
                    if (status == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref letThrough);
                    }
                    break;
                }
                default:
                {
                    var (status, user) = await anonymous.GetAsync(port, $"/public/{n}", spoof: true);
                    Classify(status);
                    if (user is not null)
                    {
                        Interlocked.Increment(ref letThrough);
                    }
                    break;
                }
            }
        }
        catch (HttpRequestException)
        {
            Count("transport errors");
        }
    }
}

void Classify(HttpStatusCode status)
{
    var code = (int)status;
    Count(code == 503 ? (frozenAt is not null && (recovery is null || DateTime.UtcNow <= thawedAt + recovery) ? "503 during the freeze" : "503 outside the freeze") : $"{code}");
    if (code >= 500 && code != 503)
    {
        Count("5xx other than 503");
    }
}

async Task ScenarioAsync()
{
    while (Volatile.Read(ref done) < requests * 35 / 100)
    {
        await Task.Delay(10);
    }
    rig.Freeze();
    frozenAt = DateTime.UtcNow;
    // A sign-out answered 503 may still take effect: its DEL was sent and Redis runs it once thawed (a timed-out write
    // has an unknown outcome; ending the session the user asked to end is the safe one). So from here on a 401 for
    // this user is expected.
    browsers[0].SigningOut = true;
    var during = await browsers[0].SignOutAsync(ports[0]);
    signOutDuringFreeze = $"{(int)during}";
    var remaining = freeze - (DateTime.UtcNow - frozenAt.Value);
    if (remaining > TimeSpan.Zero)
    {
        await Task.Delay(remaining);
    }
    rig.Thaw();
    thawedAt = DateTime.UtcNow;
    var probe = browsers[1];
    while (true)
    {
        var results = await Task.WhenAll(ports.Select(p => probe.GetAsync(p, "/api/probe", spoof: false)));
        if (results.All(r => r.Status == HttpStatusCode.OK && r.ForwardedUser == probe.User))
        {
            recovery = DateTime.UtcNow - thawedAt.Value;
            break;
        }
        await Task.Delay(20);
    }
    foreach (var (browser, port) in new[] { (browsers[2], ports[0]), (browsers[3], ports[1]) })
    {
        browser.SigningOut = true;
        var status = await browser.SignOutAsync(port);
        if (status == HttpStatusCode.Found)
        {
            browser.SignedOutAt = DateTime.UtcNow;
        }
        Count($"sign-out after the thaw answered {(int)status}");
    }
}

var scenario = ScenarioAsync();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(WorkerAsync));
var elapsed = clock.Elapsed;
await scenario;

Console.WriteLine($"SsoGateway soak: {requests} requests, {concurrency} concurrent, 2 instances, Redis frozen {freeze.TotalSeconds:0.#} s, Sso:StoreTimeout {storeTimeout}");
Console.WriteLine($"  elapsed                                   {elapsed.TotalSeconds:0.0} s ({requests / elapsed.TotalSeconds:0} req/s)");
Console.WriteLine($"  let through without a valid session       {letThrough}   (must be 0)");
Console.WriteLine($"  5xx other than 503                        {counts.GetValueOrDefault("5xx other than 503")}   (must be 0)");
Console.WriteLine($"  503 during the freeze                     {counts.GetValueOrDefault("503 during the freeze")}");
Console.WriteLine($"  503 outside the freeze                    {counts.GetValueOrDefault("503 outside the freeze")}");
Console.WriteLine($"  recovery after the thaw                   {recovery?.TotalMilliseconds:0} ms (both instances serve a signed-in user)");
Console.WriteLine($"  sign-out during the freeze answered       {signOutDuringFreeze}");
foreach (var (what, n) in counts.Where(c => !c.Key.StartsWith("5xx") && !c.Key.StartsWith("503")).OrderBy(c => c.Key))
{
    Console.WriteLine($"  {what,-41} {n}");
}
foreach (var browser in browsers)
{
    browser.Dispose();
}
return letThrough == 0 && counts.GetValueOrDefault("5xx other than 503") == 0 ? 0 : 1;

int Arg(string name, int fallback) => int.TryParse(ArgText(name, ""), out var value) ? value : fallback;

string ArgText(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
