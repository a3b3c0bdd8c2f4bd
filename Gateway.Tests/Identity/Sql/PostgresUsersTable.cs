using Gateway.Tests.TestInfrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Identity.Sql;

/// <summary>
/// A classic site's users table (users, groups, a join table) in the real PostgreSQL, with passwords hashed the
/// ways sites hash them, and the query README.md shows for it.
/// </summary>
public static class PostgresUsersTable
{
    public const string Query = """
        SELECT u.username, u.password_hash, u.email, u.display_name AS name,
               COALESCE(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups,
               u.disabled
        FROM users u
        LEFT JOIN user_groups ug ON ug.user_id = u.id
        LEFT JOIN groups g ON g.id = ug.group_id
        WHERE lower(u.username) = lower(@username)
        GROUP BY u.id
        """;

    public static readonly string BcryptHash = BCrypt.Net.BCrypt.HashPassword("dora-password", 4);
    public static readonly string IdentityHash = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 1000 }))
        .HashPassword(new object(), "ed-password");

    /// <summary>Creates the tables in a schema of their own (one per test class) and returns the query's search path.</summary>
    public static async Task CreateAsync(PostgresServerFixture postgres, string schema)
    {
        await postgres.ExecuteAsync($"""
            CREATE SCHEMA {schema};
            SET search_path TO {schema};
            CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL UNIQUE, password_hash text NOT NULL,
                                email text, display_name text, disabled boolean NOT NULL DEFAULT false);
            CREATE TABLE groups (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
            CREATE TABLE user_groups (user_id int REFERENCES users(id) ON DELETE CASCADE, group_id int REFERENCES groups(id));
            INSERT INTO groups (name) VALUES ('staff'), ('admin');
            """);
        await AddUserAsync(postgres, schema, "Dora", BcryptHash, "dora@example.com", "Dora Explorer", ["staff", "admin"]);
        await AddUserAsync(postgres, schema, "ed", IdentityHash, "ed@example.com", "Ed", ["staff"]);
        await AddUserAsync(postgres, schema, "gone", BcryptHash, "gone@example.com", "Gone", [], disabled: true);
        await AddUserAsync(postgres, schema, "weird", "md5$5f4dcc3b5aa765d61d8327deb882cf99", "w@example.com", "Weird", []);
    }

    public static async Task AddUserAsync(PostgresServerFixture postgres, string schema, string username, string hash,
        string email, string name, string[] groups, bool disabled = false)
    {
        await postgres.ExecuteAsync($"INSERT INTO {schema}.users (username, password_hash, email, display_name, disabled) VALUES (@u, @h, @e, @n, @d)",
            ("u", username), ("h", hash), ("e", email), ("n", name), ("d", disabled));
        foreach (var group in groups)
        {
            await postgres.ExecuteAsync(
                $"INSERT INTO {schema}.user_groups SELECT u.id, g.id FROM {schema}.users u, {schema}.groups g WHERE u.username = @u AND g.name = @g",
                ("u", username), ("g", group));
        }
    }

    /// <summary>The fixture's connection string with the schema on the search path, as an operator would set it.</summary>
    public static string ConnectionString(PostgresServerFixture postgres, string schema) =>
        postgres.ConnectionString + $";Search Path={schema}";
}
