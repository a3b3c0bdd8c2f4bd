// Creates N live sessions exactly as a sign-in does, minus the password check (PBKDF2 would make 100 000
// sign-ins take hours): the gateway's own composition (AddSsoGateway with the gateway's arguments) is built but
// not started, and the cookie handler's SignInAsync runs N times. So each session goes through the gateway's
// ITicketStore into its store (Redis) and the cookie is protected with the shared Data Protection key ring; the
// running gateway accepts these cookies like any other. Prints nothing but a summary; writes one cookie value a line.
//
// usage: SessionSeeder <count> <cookies-file> <username> <user-agent> [gateway arguments...]
using System.Diagnostics;
using System.Net;
using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

if (args.Length < 4 || !int.TryParse(args[0], out var count) || count <= 0)
{
    Console.Error.WriteLine("usage: SessionSeeder <count> <cookies-file> <username> <user-agent> [gateway arguments...]");
    return 2;
}
var (cookiesFile, username, userAgent) = (args[1], args[2], args[3]);

var builder = WebApplication.CreateBuilder(args[4..]);
builder.AddSsoGateway();
await using var app = builder.Build();

var user = app.Services.GetRequiredService<UserDirectory>().Find(username);
if (user is null)
{
    Console.Error.WriteLine($"SessionSeeder: no user '{username}' in the users file.");
    return 1;
}
var cookieName = app.Services.GetRequiredService<IOptions<SsoOptions>>().Value.CookieName;

var cookies = new string[count];
var clock = Stopwatch.StartNew();
// The first sign-in alone: it loads the Data Protection key ring (a synchronous Redis read) before the others wait on it.
cookies[0] = await SignInAsync();
await Parallel.ForEachAsync(Enumerable.Range(1, count - 1), new ParallelOptions { MaxDegreeOfParallelism = 32 },
    async (i, _) => cookies[i] = await SignInAsync());
await File.WriteAllLinesAsync(cookiesFile, cookies);
Console.WriteLine($"SessionSeeder: {count} sessions for {user.Username} in {clock.Elapsed.TotalSeconds:0.0} s");
return 0;

async Task<string> SignInAsync()
{
    await using var scope = app.Services.CreateAsyncScope();
    // what a browser's sign-in request brings that the session record keeps: its address and User-Agent
    var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
    context.Connection.RemoteIpAddress = IPAddress.Loopback;
    context.Request.Headers.UserAgent = userAgent;
    await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, UserPrincipal.Create(user));
    var cookie = SetCookieHeaderValue.ParseList(context.Response.Headers.SetCookie.ToArray()!)
        .FirstOrDefault(c => c.Name.Equals(cookieName, StringComparison.Ordinal));
    return cookie?.Value.ToString() ?? throw new InvalidOperationException("Sign-in set no session cookie.");
}
