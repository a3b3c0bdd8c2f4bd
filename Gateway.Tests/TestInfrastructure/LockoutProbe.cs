using System.Net;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// Whether a name's failures count towards its lockout whatever directory (or none) knows the name: two failed
/// sign-ins under one name, then a third attempt, with <c>Sso:Lockout:MaxFailures</c> 2. Each attempt comes from
/// another address (X-Forwarded-For, believed from the loopback proxy), so no address counter locks anything: the
/// audit line's reason is the name's own counter (SPEC §9).
/// </summary>
internal static class LockoutProbe
{
    private const int LockedOutEvent = 3004;

    /// <summary>Runs the probe on a fresh gateway; returns the third attempt's status and the audit line's <c>LockedBy</c>.</summary>
    public static async Task<(HttpStatusCode Status, string? LockedBy)> ThirdAttemptAsync(
        IDictionary<string, string?> settings, string username, string thirdPassword)
    {
        var log = new CapturingLogSink();
        var all = TestSettings.Merge(settings, new Dictionary<string, string?>
        {
            ["Sso:Lockout:MaxFailures"] = "2",
            ["Sso:Lockout:Window"] = "00:15:00",
            ["Sso:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        }, LogEventText.InformationSettings);
        await using var gateway = await GatewayHost.StartAsync(all, log.AddTo);
        using var client = gateway.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            From(client, $"203.0.113.{i + 1}");
            using var failed = await client.SignInAsync(GatewayHost.App1, username, "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }
        From(client, "203.0.113.3");
        using var third = await client.SignInAsync(GatewayHost.App1, username, thirdPassword);
        var lockedOut = log.WithEventId(LockedOutEvent).SingleOrDefault();
        return (third.StatusCode, lockedOut is null ? null : LogEventText.Scalar(lockedOut, "LockedBy"));
    }

    private static void From(GatewayClient client, string address)
    {
        client.Http.DefaultRequestHeaders.Remove("X-Forwarded-For");
        client.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
    }
}
