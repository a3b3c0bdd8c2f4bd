using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>The user directory the tests sign in with. Hashes are real Identity v3 hashes with few iterations.</summary>
public static class TestUsers
{
    public const string AlicePassword = "alice-password";
    public const string BobPassword = "bob-password";
    public const string ZhangPassword = "zhang-password";
    public const string CarolPassword = "carol-password";

    private static readonly PasswordHasher<object> Hasher =
        new(Options.Create(new PasswordHasherOptions { IterationCount = 1000 }));

    public static string Hash(string password) => Hasher.HashPassword(new object(), password);

    // One hash per password for every file written: a users file rewritten with the same users keeps every account's
    // password hash, as an operator's edit of someone else's entry does (a new hash ends that account's sessions).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Hashes = new();

    /// <summary>The hash users files are written with for <paramref name="password"/> (the same every time).</summary>
    public static string StableHash(string password) => Hashes.GetOrAdd(password, Hash);

    public sealed record User(string Username, string Password, string Email, string Name, string[] Groups, bool Disabled = false);

    public static readonly User Alice = new("alice", AlicePassword, "alice@example.com", "Alice Admin", ["staff", "admin"]);
    public static readonly User Bob = new("bob", BobPassword, "bob@example.com", "Bob", ["staff"]);
    public static readonly User Zhang = new("张三", ZhangPassword, "zhang@example.com", "张三", ["staff", "研发"]);
    public static readonly User Carol = new("carol", CarolPassword, "carol@example.com", "Carol", ["staff"], Disabled: true);

    public static IReadOnlyList<User> All => [Alice, Bob, Zhang, Carol];

    /// <summary>The JSON of a users file holding <paramref name="users"/>.</summary>
    public static string FileContent(IEnumerable<User> users) => JsonSerializer.Serialize(new
    {
        users = users.Select(u => new
        {
            username = u.Username,
            passwordHash = StableHash(u.Password),
            email = u.Email,
            name = u.Name,
            groups = u.Groups,
            disabled = u.Disabled,
        }),
    }, new JsonSerializerOptions { WriteIndented = true });
}
