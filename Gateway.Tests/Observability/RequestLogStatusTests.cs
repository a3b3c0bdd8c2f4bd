using System.Net;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Observability;

/// <summary>The request-log line records the status the client got, also when the gateway turned a store fault into 503.</summary>
[Collection(RedisCollection.Name)]
public sealed class RequestLogStatusTests(RedisServerFixture redis)
{
    [Fact]
    public async Task SignInWhileRedisFrozen_IsLoggedAs503_NotAs500()
    {
        var log = new CapturingLogSink();
        var settings = TestSettings.Merge(LogEventText.InformationSettings, GatewayHost.RedisSettings(redis));
        settings["Sso:StoreTimeout"] = "00:00:00.500";
        await using var gateway = await GatewayHost.StartAsync(settings, log.AddTo);
        using var client = gateway.CreateClient();
        // The short store timeout is for the frozen Redis below; on a loaded machine the first key-ring read may
        // exceed it, so wait until the form is served before freezing.
        string? token = null;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                token = await client.GetSignInTokenAsync(GatewayHost.App1);
                return true;
            }
            catch (Xunit.Sdk.XunitException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "the sign-in form is served");

        redis.Freeze();
        HttpStatusCode status;
        try
        {
            using var response = await client.PostSignInAsync(GatewayHost.App1, token!, "alice", TestUsers.AlicePassword);
            status = response.StatusCode;
        }
        finally
        {
            redis.Thaw();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        await Poll.UntilAsync(() => log.RequestLines().Any(l => LogEventText.Scalar(l, "RequestMethod") == "POST"),
            TimeSpan.FromSeconds(5), "the sign-in request is logged");
        var line = Assert.Single(log.RequestLines(), l => LogEventText.Scalar(l, "RequestMethod") == "POST");
        Assert.Equal("503", LogEventText.Scalar(line, "StatusCode"));
    }
}
