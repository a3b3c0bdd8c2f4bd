using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Identity;

/// <summary>
/// A cached record of a users-file session points at its account's strings instead of at the copies a store read made,
/// only where they are equal: what the record says never changes, and records of other origins are left alone.
/// </summary>
public sealed class UsersFileSessionStringsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("users-strings-").FullName;
    private readonly UserDirectory _directory;
    private readonly UsersFileSessionStrings _strings;

    public UsersFileSessionStringsTests()
    {
        var path = Path.Combine(_folder, "users.json");
        File.WriteAllText(path, TestUsers.FileContent([TestUsers.Alice, TestUsers.Bob]));
        _directory = new UserDirectory(
            Options.Create(new SsoOptions { UsersFile = path }), new HostingEnvironment { ContentRootPath = _folder },
            TimeProvider.System, NullLogger<UserDirectory>.Instance);
        _strings = new UsersFileSessionStrings(_directory);
    }

    private readonly DateTimeOffset _signedInAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private UserAccount Alice => _directory.Find("alice")!;

    /// <summary>What a store read returns for alice's session: every string a copy of its own.</summary>
    private SessionRecord ReadBack(Func<SessionRecord, SessionRecord>? change = null)
    {
        var now = _signedInAt;
        var record = new SessionRecord
        {
            User = new string("alice"), Email = new string(Alice.Email), Name = new string(Alice.Name),
            Groups = [.. Alice.Groups.Select(g => new string(g))], AccountStamp = new string(Alice.Stamp),
            CreatedAt = now, LastSeenAt = now, AbsoluteExpiresAt = now.AddHours(12), ExpiresAt = now.AddHours(1),
        };
        return change?.Invoke(record) ?? record;
    }

    [Fact]
    public void UsersFileSession_PointsAtItsAccountsStrings_SayingTheSame()
    {
        var read = ReadBack();

        var shared = _strings.Share(read);

        Assert.Same(Alice.Username, shared.User);
        Assert.Same(Alice.Email, shared.Email);
        Assert.Same(Alice.Name, shared.Name);
        Assert.Same(Alice.Groups, shared.Groups);
        Assert.Same(Alice.Stamp, shared.AccountStamp);
        Assert.True(shared.HasSameValuesAs(read));
        Assert.Same(shared, _strings.Share(shared));
    }

    public static TheoryData<string> Differences => new(DifferenceOf.Keys);

    private static readonly Dictionary<string, Func<SessionRecord, SessionRecord>> DifferenceOf = new()
    {
        ["email"] = r => r with { Email = "old@example.com" },
        ["name"] = r => r with { Name = "Alice (before the edit)" },
        ["groups"] = r => r with { Groups = ["staff"] },
        ["groups' order"] = r => r with { Groups = [.. r.Groups.Reverse()] },
        ["groups' case"] = r => r with { Groups = [.. r.Groups.Select(g => g.ToUpperInvariant())] },
        ["stamp (another password)"] = r => r with { AccountStamp = "an-older-stamp" },
        ["user name's case"] = r => r with { User = "Alice" },
    };

    /// <summary>A session issued before an edit of the account keeps what it says; only the equal strings are shared.</summary>
    [Theory]
    [MemberData(nameof(Differences))]
    public void ValueThatDiffersFromTheAccount_IsKept(string difference)
    {
        var read = ReadBack(DifferenceOf[difference]);

        var shared = _strings.Share(read);

        Assert.True(shared.HasSameValuesAs(read));
        Assert.Same(Alice.Email == read.Email ? Alice.Email : read.Email, shared.Email);
        Assert.Same(Alice.Groups.SequenceEqual(read.Groups) ? Alice.Groups : read.Groups, shared.Groups);
    }

    public static TheoryData<string> OtherOrigins => new(OriginOf.Keys);

    private static readonly Dictionary<string, Func<SessionRecord, SessionRecord>> OriginOf = new()
    {
        ["an OpenID Connect provider's user of the same name"] = r => r with { Provider = "corp", AccountStamp = null },
        ["an LDAP account of the same name"] = r => r with { Directory = "ldap" },
        ["a SQL account of the same name"] = r => r with { Directory = "sql" },
        ["a user not in the file"] = r => r with { User = "mallory" },
    };

    [Theory]
    [MemberData(nameof(OtherOrigins))]
    public void RecordOfAnotherOrigin_IsLeftAsItIs(string origin)
    {
        var read = ReadBack(OriginOf[origin]);

        Assert.Same(read, _strings.Share(read));
    }

    /// <summary>Through the session cache: the record it holds anew, and hands back as vouched for, is the shared one.</summary>
    [Fact]
    public void SessionCache_HoldsAndVouchesForTheSharedRecord()
    {
        var cache = new SessionCache(TimeProvider.System, 100, TimeSpan.FromSeconds(30), strings: [_strings]);
        var key = SessionKey.FromSessionId(SessionId.New());

        var vouched = cache.SetIfNotRevokedSince(key, ReadBack(), cache.Revocations)!;

        Assert.Same(Alice.Email, vouched.Email);
        Assert.True(cache.TryGet(key, out var served));
        Assert.Same(vouched, served);
        // Read again, unchanged: the record held is vouched for again, not shared anew.
        Assert.Same(vouched, cache.SetIfNotRevokedSince(key, ReadBack(), cache.Revocations));
    }

    public void Dispose()
    {
        _directory.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
