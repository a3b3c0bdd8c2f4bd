namespace Gateway.Tests.TestInfrastructure;

/// <summary>Edits a users file the ways operators and their tools do.</summary>
public static class UsersFile
{
    /// <summary>As most editors and deployment tools save: write a temporary file next to it, then rename it over.</summary>
    public static async Task ReplaceAsync(string path, string content)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    public static Task ReplaceAsync(string path, IEnumerable<TestUsers.User> users) => ReplaceAsync(path, TestUsers.FileContent(users));

    /// <summary>As <c>echo … &gt; users.json</c> does: truncate and write the same file.</summary>
    public static Task OverwriteAsync(string path, IEnumerable<TestUsers.User> users) =>
        File.WriteAllTextAsync(path, TestUsers.FileContent(users));
}
