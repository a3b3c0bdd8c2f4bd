namespace Gateway.Identity.Sql;

/// <summary><c>Sso:Sql</c>: the site's own users table, read with one parameterised query.</summary>
public sealed class SqlDirectoryOptions
{
    /// <summary><c>PostgreSql</c> or <c>MySql</c> (MySQL and MariaDB). Unset: no SQL directory.</summary>
    public string? Provider { get; set; }

    /// <summary>The ADO.NET connection string (Npgsql or MySqlConnector syntax). Keep the password out of committed files.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// A query with one parameter, <c>@username</c>, returning at most one row with the columns <c>username</c>,
    /// <c>password_hash</c>, <c>email</c>, <c>name</c>, <c>groups</c> (a text array or comma-separated text) and
    /// <c>disabled</c> (boolean or 0/1). Missing optional columns read as empty / false.
    /// </summary>
    public string? Query { get; set; }

    /// <summary>Longest a query may take before the directory counts as down. Default five seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a live session from this directory is re-checked against it. Default five minutes.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(5);
}
