using Gateway.Identity;
using Gateway.Identity.Ldap;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Identity.Ldap;

[Collection(SlapdCollection.Name)]
public sealed class LdapAccountDirectoryTests(SlapdServerFixture slapd) : IAsyncLifetime
{
    // Each test class instance gets people of its own (unique uids), so tests may edit them freely.
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    private string Olga => "olga" + _id;
    private string Pete => "pete" + _id;
    private string Off => "off" + _id;

    public async Task InitializeAsync()
    {
        await slapd.AddPersonAsync(Olga, "olga-password", "olga@example.com", "Olga Ölund", ["staff" + _id, "admin" + _id]);
        await slapd.AddPersonAsync(Pete, "pete-password", "pete@example.com", "Pete", ["staff" + _id]);
        await slapd.AddPersonAsync(Off, "off-password", "off@example.com", "Off", [], disabled: true);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private LdapAccountDirectory Directory(string? url = null, TimeSpan? timeout = null, string passwordChanged = "pwdChangedTime,pwdLastSet",
        string? dummyBindDn = null) => new(new LdapDirectoryOptions
    {
        DummyBindDn = dummyBindDn,
        PasswordChangedAttribute = passwordChanged,
        Url = url ?? slapd.Url,
        BindDn = SlapdServerFixture.ReaderDn,
        BindPassword = SlapdServerFixture.ReaderPassword,
        UserSearchBase = SlapdServerFixture.People,
        GroupSearchBase = SlapdServerFixture.Groups,
        DisabledFilter = "(employeeType=disabled)",
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    }, NullLogger<LdapAccountDirectory>.Instance);

    [Fact]
    public async Task RightPassword_Succeeds_WithNameEmailDisplayNameAndGroups()
    {
        var check = await Directory().CheckPasswordAsync(Olga, "olga-password", checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.Succeeded, check.Outcome);
        Assert.Equal(new DirectoryAccount(Olga, "olga@example.com", "Olga Ölund", check.Account!.Groups, false, check.Account.Stamp), check.Account);
        Assert.Equal(new[] { "admin" + _id, "staff" + _id }, check.Account.Groups);
    }

    public static TheoryData<string> Injections => new()
    {
        "*", "*)(uid=*))(|(uid=*", "olga*", "*)", "(uid=*)", "\\2a", "x)(|(uid=*", "*)(objectClass=*", "\0", "olga\0",
    };

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task FilterInjection_FindsNobody(string typed)
    {
        var directory = Directory();

        var check = await directory.CheckPasswordAsync(typed.Replace("olga", Olga), "olga-password", checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.UnknownUser, check.Outcome);
        Assert.Null(await directory.FindAsync(typed.Replace("olga", Olga), default));
    }

    [Theory]
    [InlineData("", "WrongPassword")]
    [InlineData("wrong", "WrongPassword")]
    [InlineData("OLGA-PASSWORD", "WrongPassword")]
    [InlineData("pete-password", "WrongPassword")]
    public async Task WrongOrEmptyPassword_NeverBinds(string password, string expected)
    {
        var check = await Directory().CheckPasswordAsync(Olga, password, checkUnknown: true, default);

        Assert.Equal(expected, check.Outcome.ToString());
    }

    [Fact]
    public async Task DisabledUser_IsRefused_EvenWithTheRightPassword()
    {
        var check = await Directory().CheckPasswordAsync(Off, "off-password", checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.Disabled, check.Outcome);
    }

    [Fact]
    public async Task FindAsync_SeesGroupChangesDisablingAndDeletion()
    {
        var directory = Directory();

        await slapd.RemoveFromGroupAsync(Olga, "admin" + _id);
        Assert.Equal(new[] { "staff" + _id }, (await directory.FindAsync(Olga, default))!.Groups);

        await slapd.DisableAsync(Pete);
        Assert.True((await directory.FindAsync(Pete, default))!.Disabled);

        await slapd.DeletePersonAsync(Pete);
        Assert.Null(await directory.FindAsync(Pete, default));
    }

    [Fact]
    public async Task FirstServerDown_TheNextOneAnswers()
    {
        var check = await Directory($"ldap://127.0.0.1:1 {slapd.Url}").CheckPasswordAsync(Olga, "olga-password", checkUnknown: true, default);

        Assert.Equal(PasswordOutcome.Succeeded, check.Outcome);
    }

    [Fact]
    public async Task NoServerAnswers_IsUnavailable_NotAFailedSignIn()
    {
        var directory = Directory("ldap://127.0.0.1:1", TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.CheckPasswordAsync(Olga, "olga-password", checkUnknown: true, default));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.FindAsync(Olga, default));
    }

    [Fact]
    public async Task WrongServiceAccountPassword_IsUnavailable()
    {
        var directory = new LdapAccountDirectory(new LdapDirectoryOptions
        {
            Url = slapd.Url,
            BindDn = SlapdServerFixture.ReaderDn,
            BindPassword = "not-the-password",
            UserSearchBase = SlapdServerFixture.People,
        }, NullLogger<LdapAccountDirectory>.Instance);

        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.CheckPasswordAsync(Olga, "olga-password", checkUnknown: true, default));
    }

    /// <summary>
    /// The timing promise by its mechanism, counted by slapd itself (<c>cn=Monitor</c>; the time is measured in
    /// bench/SignInTiming): an unknown name costs the same binds and searches as a known name with a wrong password
    /// (the service account's bind, one search, then a bind that fails), and a directory that is not the last one
    /// asked does not do the dummy bind.
    /// </summary>
    [Fact]
    public async Task UnknownUser_CostsTheSameBindsAndSearchesAsAWrongPassword()
    {
        var directory = Directory();

        async Task<(long Binds, long Searches)> CostOf(Func<Task<PasswordCheck>> check, PasswordOutcome expected)
        {
            var (binds, searches) = (await slapd.BindsAsync(), await slapd.SearchesAsync());
            Assert.Equal(expected, (await check()).Outcome);
            return (await slapd.BindsAsync() - binds, await slapd.SearchesAsync() - searches);
        }

        var wrongPassword = await CostOf(() => directory.CheckPasswordAsync(Olga, "guess", checkUnknown: true, default), PasswordOutcome.WrongPassword);
        var unknown = await CostOf(() => directory.CheckPasswordAsync("nobody" + _id, "guess", checkUnknown: true, default), PasswordOutcome.UnknownUser);
        var unknownNotLast = await CostOf(() => directory.CheckPasswordAsync("nobody" + _id, "guess", checkUnknown: false, default), PasswordOutcome.UnknownUser);
        var rightPassword = await CostOf(() => directory.CheckPasswordAsync(Olga, "olga-password", checkUnknown: true, default), PasswordOutcome.Succeeded);

        Assert.Equal(2, wrongPassword.Binds);
        Assert.Equal(wrongPassword, unknown);
        Assert.Equal((1, unknown.Searches), unknownNotLast);
        // Groups and the disabled flag: two searches more, only once the password is right.
        Assert.Equal((2, wrongPassword.Searches + 2), rightPassword);
    }

    [Fact]
    public async Task Stamp_FollowsThePasswordChangedTime_NotOtherEdits()
    {
        var directory = Directory();
        var before = (await directory.FindAsync(Olga, default))!.Stamp;
        Assert.NotNull(before);

        await slapd.RemoveFromGroupAsync(Olga, "admin" + _id);
        Assert.Equal(before, (await directory.FindAsync(Olga, default))!.Stamp);

        await slapd.SetPasswordAsync(Olga, "olga-new-password"); // ppolicy writes pwdChangedTime
        var after = (await directory.FindAsync(Olga, default))!.Stamp;
        Assert.NotEqual(before, after);
        Assert.Equal(after, (await directory.CheckPasswordAsync(Olga, "olga-new-password", checkUnknown: true, default)).Account!.Stamp);

        // Switched off, sessions are not bound to the password at all.
        Assert.Null((await Directory(passwordChanged: "").FindAsync(Olga, default))!.Stamp);
    }

    /// <summary>
    /// A directory that hashes slowly checks a known name's password but refuses a DN that does not exist at once
    /// (bench/SignInTiming: slapd with {ARGON2}); <c>DummyBindDn</c> sends the dummy bind to a real entry instead.
    /// </summary>
    [Fact]
    public async Task DummyBindDn_TheDummyBindOfAnUnknownNameGoesToThatEntry()
    {
        var dummy = $"uid={Off},{SlapdServerFixture.People}";
        var before = await slapd.BindsToAsync(dummy);

        Assert.Equal(PasswordOutcome.UnknownUser, (await Directory().CheckPasswordAsync("nobody" + _id, "guess", checkUnknown: true, default)).Outcome);
        Assert.Equal(before, await slapd.BindsToAsync(dummy));

        Assert.Equal(PasswordOutcome.UnknownUser, (await Directory(dummyBindDn: dummy).CheckPasswordAsync("nobody" + _id, "guess", checkUnknown: true, default)).Outcome);
        await Poll.UntilAsync(async () => await slapd.BindsToAsync(dummy) == before + 1, TimeSpan.FromSeconds(10), "slapd logs the dummy bind to that entry");
    }
}
