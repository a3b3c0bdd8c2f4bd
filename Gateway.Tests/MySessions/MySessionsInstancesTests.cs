using System.Net;
using Gateway.Tests.Instances;
using Gateway.Tests.TestInfrastructure;
using static Gateway.Tests.MySessions.MySessionsClient;

namespace Gateway.Tests.MySessions;

[Collection(RedisCollection.Name)]
public sealed class MySessionsInstancesTests(RedisServerFixture redis)
{
    // The other instance trusts a session it read for 30 s here, so only the invalidation that the store's delete
    // announces can make it refuse the ended session in time.
    [Fact]
    public async Task EndingASessionOnInstanceA_IsRefusedOnInstanceB_WithinOneSecond()
    {
        await using var gateways = await TwoInstances.StartAsync(redis, new Dictionary<string, string?> { ["Sso:SessionCacheDuration"] = "00:00:30" });
        using var phone = await SignedInAsync(gateways.A, TestUsers.Alice, IPhoneSafari);
        using var laptopOnA = await SignedInAsync(gateways.A, TestUsers.Alice, WindowsChrome);
        using var laptopOnB = TwoInstances.SameBrowser(gateways.B, laptopOnA);
        Assert.True(await IsSignedInAsync(laptopOnB));
        var laptopHandle = CurrentHandle(await ListAsync(laptopOnA));

        using var response = await EndAsync(gateways.A, phone, laptopHandle);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);

        await Poll.UntilAsync(async () => !await IsSignedInAsync(laptopOnB), TimeSpan.FromSeconds(1),
            "instance B refuses the session ended on instance A");
        using var phoneOnB = TwoInstances.SameBrowser(gateways.B, phone);
        Assert.True(await IsSignedInAsync(phoneOnB));
        Assert.Single(SessionsOf(await ListAsync(phoneOnB)));
    }
}
