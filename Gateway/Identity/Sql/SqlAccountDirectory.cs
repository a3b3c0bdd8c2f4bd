using System.Data.Common;
using Gateway.Identity.Hashes;
using MySqlConnector;
using Npgsql;

namespace Gateway.Identity.Sql;

/// <summary>
/// Accounts from the site's SQL users table (PostgreSQL through Npgsql, MySQL and MariaDB through MySqlConnector),
/// read with the operator's one parameterised query; passwords checked in whatever format the table stores
/// (<see cref="StoredPasswordHash"/>).
/// </summary>
internal sealed partial class SqlAccountDirectory : IAccountDirectory, IAsyncDisposable
{
    public const string PostgreSql = "PostgreSql";
    public const string MySql = "MySql";

    private readonly DbDataSource _dataSource;
    private readonly string _query;
    private readonly TimeSpan _timeout;
    private readonly ILogger<SqlAccountDirectory> _logger;

    // Unknown users are checked against a hash like the last real one read, so that they cost the same time.
    private volatile DummyHash _dummy = new("", StoredPasswordHash.DummyLike(""));

    public SqlAccountDirectory(SqlDirectoryOptions options, ILogger<SqlAccountDirectory> logger)
    {
        _dataSource = options.Provider switch
        {
            PostgreSql => NpgsqlDataSource.Create(options.ConnectionString!),
            MySql => new MySqlDataSource(options.ConnectionString!),
            _ => throw new ArgumentException($"Unknown SQL provider '{options.Provider}'."),
        };
        _query = options.Query!;
        _timeout = options.Timeout;
        _logger = logger;
    }

    public string Kind => "sql";

    public async Task<PasswordCheck> CheckPasswordAsync(string username, string password, bool checkUnknown, CancellationToken cancellationToken)
    {
        var row = await ReadAsync(username, cancellationToken);
        if (row is null)
        {
            if (checkUnknown)
            {
                StoredPasswordHash.Verify(_dummy.Hash, password);
            }
            return new PasswordCheck(PasswordOutcome.UnknownUser, null);
        }
        var (account, hash) = row.Value;
        RememberShape(hash);
        var check = StoredPasswordHash.Verify(hash, password);
        if (check == HashCheck.Unsupported)
        {
            Log.UnsupportedHash(_logger, account.Username);
            StoredPasswordHash.Verify(_dummy.Hash, password);
            return new PasswordCheck(PasswordOutcome.UnsupportedHash, account);
        }
        var outcome = check != HashCheck.Match ? PasswordOutcome.WrongPassword
            : account.Disabled ? PasswordOutcome.Disabled
            : PasswordOutcome.Succeeded;
        return new PasswordCheck(outcome, account);
    }

    public async Task<DirectoryAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        (await ReadAsync(username, cancellationToken))?.Account;

    private async Task<(DirectoryAccount Account, string Hash)?> ReadAsync(string username, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await using var command = _dataSource.CreateCommand(_query);
            command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(_timeout.TotalSeconds));
            var parameter = command.CreateParameter();
            parameter.ParameterName = "username";
            parameter.Value = username;
            command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync(timeout.Token);
            if (!await reader.ReadAsync(timeout.Token))
            {
                return null;
            }
            var account = new DirectoryAccount(
                Text(reader, "username") ?? username,
                Text(reader, "email") ?? "",
                Text(reader, "name") ?? "",
                Groups(reader),
                Flag(reader, "disabled"));
            return (account, Text(reader, "password_hash") ?? "");
        }
        catch (Exception ex) when (ex is DbException or OperationCanceledException or TimeoutException or InvalidOperationException
            && !cancellationToken.IsCancellationRequested)
        {
            Log.Unavailable(_logger, ex.GetType().Name);
            throw new DirectoryUnavailableException(Kind, ex);
        }
    }

    private void RememberShape(string hash)
    {
        if (StoredPasswordHash.KindOf(hash) != HashKind.Unknown && !SameShape(hash, _dummy.Like))
        {
            _dummy = new DummyHash(hash, StoredPasswordHash.DummyLike(hash));
        }
    }

    // Same algorithm and cost: the part of a bcrypt or argon2 hash before the salt, or an Identity hash's header.
    private static bool SameShape(string a, string b) => a.Length > 0 && b.Length > 0 && StoredPasswordHash.KindOf(a) switch
    {
        HashKind.Bcrypt => b.Length > 7 && a.AsSpan(0, 7).SequenceEqual(b.AsSpan(0, 7)),
        HashKind.Argon2id => b.Split('$') is { Length: 6 } bp && a.Split('$')[3] == bp[3],
        HashKind.Identity => PasswordHashFormat.TryReadProfile(a, out var pa) == PasswordHashFormat.TryReadProfile(b, out var pb) && pa == pb,
        _ => false,
    };

    private static int Ordinal(DbDataReader reader, string column)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (string.Equals(reader.GetName(i), column, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    private static string? Text(DbDataReader reader, string column)
    {
        var i = Ordinal(reader, column);
        return i < 0 || reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool Flag(DbDataReader reader, string column)
    {
        var i = Ordinal(reader, column);
        return i >= 0 && !reader.IsDBNull(i) && reader.GetValue(i) switch
        {
            bool b => b,
            string s => s is "1" or "true" or "t" or "yes" or "y",
            var number => Convert.ToInt64(number, System.Globalization.CultureInfo.InvariantCulture) != 0,
        };
    }

    private static string[] Groups(DbDataReader reader)
    {
        var i = Ordinal(reader, "groups");
        if (i < 0 || reader.IsDBNull(i))
        {
            return [];
        }
        var groups = reader.GetValue(i) switch
        {
            string[] array => array,
            string text => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            var other => [Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? ""],
        };
        return groups.Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private sealed record DummyHash(string Like, string Hash);

    private static partial class Log
    {
        [LoggerMessage(8101, LogLevel.Warning, "SQL directory: the stored password hash of {User} is of an unknown kind or malformed; that user cannot sign in")]
        public static partial void UnsupportedHash(ILogger logger, string user);

        [LoggerMessage(8102, LogLevel.Warning, "SQL directory did not answer ({Fault})")]
        public static partial void Unavailable(ILogger logger, string fault);
    }
}
