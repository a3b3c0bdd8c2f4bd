using System.Net;
using System.Text.Json;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Login;

/// <summary>
/// A sign-in storm must not take every core from proxied traffic: password checks run on a bounded number of
/// workers, and past the queue bound a sign-in is answered 503 with <c>Retry-After</c> without counting as a failure.
/// </summary>
public sealed class SignInStormTests
{
    private const string SlowPassword = "slow-but-right";

    [Fact]
    public async Task PastTheQueueBound_SignInsGet503WithRetryAfter_AndAreNotCountedAsFailures()
    {
        var contentRoot = Directory.CreateTempSubdirectory("ssogw-storm-").FullName;
        // A hash slow enough (seconds) that six sign-ins sent together all overlap the first one's check.
        var slowHasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 3_000_000 }));
        await File.WriteAllTextAsync(Path.Combine(contentRoot, "users.json"), JsonSerializer.Serialize(new
        {
            users = new[] { new { username = "slow", passwordHash = slowHasher.HashPassword(new object(), SlowPassword), email = "slow@example.com", name = "Slow", groups = new[] { "staff" } } },
        }));
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sso:PasswordChecks:MaxConcurrent"] = "1",
            ["Sso:PasswordChecks:QueueLimit"] = "0",
            ["Sso:Lockout:MaxFailures"] = "4",
        }, sharedContentRoot: contentRoot);

        var clients = Enumerable.Range(0, 6).Select(_ => gateway.CreateClient()).ToList();
        var tokens = new List<string>();
        foreach (var client in clients)
        {
            tokens.Add(await client.GetSignInTokenAsync(GatewayHost.App1));
        }
        var storm = await Task.WhenAll(clients.Select((client, i) => client.PostSignInAsync(GatewayHost.App1, tokens[i], "slow", "wrong-password")));

        var busy = storm.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(busy.Count >= 3, $"statuses: {string.Join(", ", storm.Select(r => (int)r.StatusCode))}");
        // Attempts are counted before the check (so parallel guesses cannot slip past the limit): while the storm's
        // own attempts are still counted, some may see the lockout.
        Assert.All(storm.Except(busy), r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        foreach (var response in busy)
        {
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("try again in a few seconds", page);
            Assert.Contains("name=\"password\"", page);
        }

        // The refused ones are taken back: at most three attempts remain, so the right password still gets in (limit 4).
        using var signIn = await clients[0].SignInAsync(GatewayHost.App1, "slow", SlowPassword);
        Assert.Equal(HttpStatusCode.Found, signIn.StatusCode);
        foreach (var client in clients)
        {
            client.Dispose();
        }
        foreach (var response in storm)
        {
            response.Dispose();
        }
    }
}
