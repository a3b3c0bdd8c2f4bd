namespace Gateway.Tests.TestInfrastructure;

/// <summary>The repository checkout the tests run from (the folder holding SsoGateway.sln).</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "SsoGateway.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("SsoGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
