using Gateway.Identity;
using Gateway.Login;
using Gateway.Sessions;
using Gateway.Tests.TestInfrastructure;

namespace Gateway.Tests.Identity;

/// <summary>
/// One username comparison everywhere: for every pair of spellings, the directory finds the same account exactly
/// when the lockout counts them together and the per-user session index keeps them under one key.
/// </summary>
public sealed class UserNamesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ssogw-names-").FullName;

    public static TheoryData<string, string, bool> Pairs => new()
    {
        { "kate", "kate", true },
        { "kate", "KATE", true },
        { "kate", "Kate", true },
        { "kate", "\u212Aate", true },      // Kelvin sign K: lower-cases to k; OrdinalIgnoreCase says different
        { "\u212Aate", "KATE", true },
        { "åsa", "\u212Bsa", true },         // Ångström sign
        { "åsa", "Åsa", true },
        { "σοφία", "ΣΟΦΊΑ", true },
        { "ς", "σ", true },                  // final sigma: OrdinalIgnoreCase says same; lower-casing does not
        { "µ", "μ", true },                  // micro sign and mu
        { "strauß", "STRAUẞ", true },        // capital sharp s
        { "ǆ", "ǅ", true },                  // title-case digraph
        { "张三", "张三", true },
        { "kate", "katie", false },
        { "alice", "ａｌｉｃｅ", false },     // fullwidth: another name (no compatibility normalisation), everywhere
        { "i", "ı", false },                 // dotless i
        { "i", "İ", false },
        { "ff", "ﬀ", false },
        { "strauss", "strauß", false },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void DirectoryLockoutAndSessionIndex_AgreeOnWhetherTwoSpellingsAreOneUser(string a, string b, bool same)
    {
        var usersFile = Path.Combine(_folder, "users.json");
        File.WriteAllText(usersFile, TestUsers.FileContent([new TestUsers.User(a, "pw", "", "", [])]));
        var directory = UsersFileReader.Read(usersFile);
        var index = new RedisSessionKeys("p:");

        Assert.Equal(same, UserNames.AreSame(a, b));
        Assert.Equal(same, directory.GetValueOrDefault(UserNames.Normalize(b)) is not null);
        Assert.Equal(same, SignInLockout.UserKey(a) == SignInLockout.UserKey(b));
        Assert.Equal(same, index.User(a) == index.User(b));
    }

    [Fact]
    public void UsersFile_WithTwoSpellingsOfOneName_IsRefused()
    {
        var usersFile = Path.Combine(_folder, "users.json");
        File.WriteAllText(usersFile, TestUsers.FileContent([new TestUsers.User("kate", "pw", "", "", []), new TestUsers.User("\u212Aate", "pw2", "", "", [])]));

        var error = Assert.Throws<UserDirectoryException>(() => UsersFileReader.Read(usersFile));
        Assert.Contains("appears twice", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
