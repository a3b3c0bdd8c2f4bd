using System.Text.Json;
using Gateway.Identity;
using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Identity;

/// <summary>
/// User enumeration by timing (SPEC §9): unknown usernames must cost what known ones cost, so their dummy hash has
/// the directory's own PRF and iteration count. (The time itself is measured in bench/SignInTiming, not here.)
/// </summary>
public sealed class PasswordVerifierTests
{
    [Theory]
    [InlineData(0u, 1000, 16, 20)]
    [InlineData(1u, 10000, 16, 32)]
    [InlineData(2u, 100000, 32, 64)]
    public void CreatedHash_HasTheRequestedProfile_AndVerifiesWithIdentitysHasher(uint prf, int iterations, int salt, int subkey)
    {
        var profile = new HashProfile(prf, iterations, salt, subkey);

        var hash = PasswordHashFormat.Create(profile, "p@ss");

        Assert.True(PasswordHashFormat.TryReadProfile(hash, out var read));
        Assert.Equal(profile, read);
        Assert.NotEqual(PasswordVerificationResult.Failed, new PasswordHasher<object>().VerifyHashedPassword(new object(), hash, "p@ss"));
        Assert.Equal(PasswordVerificationResult.Failed, new PasswordHasher<object>().VerifyHashedPassword(new object(), hash, "other"));
    }

    [Fact]
    public async Task UnknownUsers_AreCheckedAgainstADummyWithTheDirectorysCost_AlsoAfterAnEdit()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var verifier = gateway.Services.GetRequiredService<PasswordVerifier>();
        Assert.Equal(Profile(TestUsers.Hash("x")), Profile(verifier.CurrentDummyHash));

        // The operator re-hashes everybody with another cost (SHA-256, 2000 iterations).
        var sha256 = new HashProfile(1, 2000, 16, 32);
        await File.WriteAllTextAsync(gateway.UsersFile, JsonSerializer.Serialize(new
        {
            users = TestUsers.All.Select(u => new { username = u.Username, passwordHash = PasswordHashFormat.Create(sha256, u.Password), disabled = u.Disabled }),
        }));

        await Poll.UntilAsync(() => Profile(verifier.CurrentDummyHash) == sha256, TimeSpan.FromSeconds(15),
            "the dummy hash follows the edited directory");
        Assert.NotNull(verifier.Verify("alice", TestUsers.AlicePassword));
        Assert.Null(verifier.Verify("nobody", TestUsers.AlicePassword));
    }

    private static HashProfile Profile(string hash) =>
        PasswordHashFormat.TryReadProfile(hash, out var profile) ? profile : throw new InvalidOperationException("not a v3 hash");
}
