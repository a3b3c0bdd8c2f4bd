// Sign-in storm: sign-in attempts through the gateway's real form at a fixed rate for a bounded time, the way a
// morning peak (or a guessing client) arrives: an open loop, so a slow gateway does not slow the arrivals down.
// Each attempt is one browser: GET the form (its own antiforgery cookie and token), then POST username,
// password and every hidden field. The mix is right passwords, wrong passwords for a known user, and unknown
// usernames (a new one per attempt). Prints a summary and one "STORM key=value ..." line for bench/run.sh.
//
//   dotnet SignInStorm.dll --url http://127.0.0.1:8080 --username bench --password secret
//       [--rate 200] [--seconds 10] [--right 50] [--wrong 25] [--unknown 25] [--max-in-flight 512] [--timeout 10]
//
// Attempts are started on a 5 ms tick: every attempt whose due time (i / rate) has passed is started then. An
// attempt due while --max-in-flight are still running is not sent and is counted as such (the client's bound,
// so that a gateway that stops answering cannot make this program hold unbounded work).

using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

var url = new Uri(Text("--url") ?? throw Usage());
var username = Text("--username") ?? throw Usage();
var password = Text("--password") ?? throw Usage();
var rate = Number("--rate", 200);
var seconds = Number("--seconds", 10);
var (right, wrong, unknown) = (Number("--right", 50), Number("--wrong", 25), Number("--unknown", 25));
var maxInFlight = (int)Number("--max-in-flight", 512);
var timeout = TimeSpan.FromSeconds(Number("--timeout", 10));
if (rate <= 0 || seconds <= 0 || right < 0 || wrong < 0 || unknown < 0 || right + wrong + unknown <= 0)
{
    throw Usage();
}

const string BrowserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
using var client = new HttpClient(new SocketsHttpHandler
{
    AllowAutoRedirect = false,
    UseCookies = false, // each attempt carries its own antiforgery cookie, as a separate browser would
    MaxConnectionsPerServer = maxInFlight,
    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
})
{
    BaseAddress = url,
    Timeout = timeout,
};
client.DefaultRequestHeaders.UserAgent.ParseAdd(BrowserAgent);

var total = (int)Math.Round(rate * seconds);
var outcomes = new Outcome[total];
var tasks = new List<Task>(total);
var inFlight = 0;
var notSent = 0;
Console.WriteLine("STARTED"); // bench/run.sh starts its measured load when it reads this
var clock = Stopwatch.StartNew();
using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(5)))
{
    var next = 0;
    while (next < total)
    {
        var due = (int)Math.Min(total, Math.Floor(clock.Elapsed.TotalSeconds * rate) + 1);
        for (; next < due; next++)
        {
            if (Volatile.Read(ref inFlight) >= maxInFlight)
            {
                notSent++;
                outcomes[next] = new Outcome("not sent", 0, false);
                continue;
            }
            Interlocked.Increment(ref inFlight);
            var i = next;
            tasks.Add(Task.Run(async () =>
            {
                try { outcomes[i] = await AttemptAsync(i); }
                finally { Interlocked.Decrement(ref inFlight); }
            }));
        }
        await tick.WaitForNextTickAsync();
    }
}
var sendSeconds = clock.Elapsed.TotalSeconds;
// every attempt has its own timeout, so this ends; the extra bound is for a bug in this program
await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(timeout * 2 + TimeSpan.FromSeconds(5)));
var elapsed = clock.Elapsed.TotalSeconds;

var byKind = outcomes.Where(o => o is not null).GroupBy(o => o.Status).OrderBy(g => g.Key).ToList();
var answered = outcomes.Where(o => o is { Milliseconds: > 0 }).Select(o => o.Milliseconds).Order().ToArray();
int Count(string status) => outcomes.Count(o => o?.Status == status);
var checkedPasswords = Count("302") + Count("401");
var retryAfterMissing = outcomes.Count(o => o?.Status == "503" && !o.RetryAfter);
Console.WriteLine($"SignInStorm: {total} attempts due at {rate}/s over {seconds} s (right {right}, wrong {wrong}, unknown {unknown}), sent over {sendSeconds:0.0} s, all answered after {elapsed:0.0} s");
foreach (var group in byKind)
{
    Console.WriteLine($"  {group.Key,-12} {group.Count()}");
}
Console.WriteLine($"  POST latency p50 {Percentile(answered, 50):0.0} ms, p99 {Percentile(answered, 99):0.0} ms; 503 without Retry-After: {retryAfterMissing}");
Console.WriteLine(string.Join(' ', new[]
{
    "STORM",
    $"due={total}",
    $"send_s={sendSeconds:0.000}",
    $"s302={Count("302")}",
    $"s401={Count("401")}",
    $"s429={Count("429")}",
    $"s503={Count("503")}",
    $"s400={Count("400")}",
    $"other={outcomes.Count(o => o is not null && o.Status is not ("302" or "401" or "429" or "503" or "400" or "error" or "not sent"))}",
    $"errors={Count("error")}",
    $"not_sent={notSent}",
    $"unfinished={outcomes.Count(o => o is null)}",
    $"checked={checkedPasswords}",
    $"retry_after_missing={retryAfterMissing}",
    $"p50_ms={Percentile(answered, 50):0.0}",
    $"p99_ms={Percentile(answered, 99):0.0}",
}));
return 0;

async Task<Outcome> AttemptAsync(int i)
{
    // the i-th attempt's kind, spread evenly over the run: right, wrong and unknown interleave
    var slot = (long)i * 7919 % (long)(right + wrong + unknown);
    var (user, pass) = slot < right ? (username, password)
        : slot < right + wrong ? (username, "not-the-password-" + i)
        : ("storm-nobody-" + i, "not-the-password");
    try
    {
        using var form = await client.GetAsync("/_sso/login?returnUrl=/");
        var html = await form.Content.ReadAsStringAsync();
        if (form.StatusCode != HttpStatusCode.OK)
        {
            return new Outcome("form " + (int)form.StatusCode, 0, false);
        }
        var fields = new List<KeyValuePair<string, string>> { new("username", user), new("password", pass) };
        foreach (Match hidden in HiddenInput().Matches(html))
        {
            fields.Add(new(WebUtility.HtmlDecode(hidden.Groups[1].Value), WebUtility.HtmlDecode(hidden.Groups[2].Value)));
        }
        using var post = new HttpRequestMessage(HttpMethod.Post, "/_sso/login") { Content = new FormUrlEncodedContent(fields) };
        var cookies = form.Headers.TryGetValues("Set-Cookie", out var set)
            ? string.Join("; ", set.Select(c => c.Split(';', 2)[0]))
            : "";
        if (cookies.Length > 0)
        {
            post.Headers.Add("Cookie", cookies);
        }
        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(post);
        await response.Content.ReadAsByteArrayAsync();
        var ms = Math.Max(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0.001);
        return new Outcome(((int)response.StatusCode).ToString(), ms, response.Headers.RetryAfter is not null);
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
    {
        return new Outcome("error", 0, false);
    }
}

static double Percentile(double[] sorted, double percent)
{
    if (sorted.Length == 0)
    {
        return 0;
    }
    var rank = percent / 100 * (sorted.Length - 1);
    var low = (int)Math.Floor(rank);
    var high = Math.Min(low + 1, sorted.Length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

string? Text(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

double Number(string name, double fallback) =>
    Text(name) is { } value && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : fallback;

static ArgumentException Usage() => new(
    "usage: SignInStorm --url URL --username NAME --password PASSWORD [--rate 200] [--seconds 10] [--right 50] [--wrong 25] [--unknown 25] [--max-in-flight 512] [--timeout 10]");

sealed record Outcome(string Status, double Milliseconds, bool RetryAfter);

static partial class Program
{
    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInput();
}
