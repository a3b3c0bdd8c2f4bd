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

    // Unknown users are checked against a hash like the last real one read, so that they cost the same time. A table
    // mixing shapes (users moved from bcrypt to argon2id over the years) switches between the dummies of each shape.
    private const int MaxShapes = 8;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _dummies = new(StringComparer.Ordinal);
    private volatile DummyHash _dummy = new("", StoredPasswordHash.DummyLike(""));

    private readonly Func<string, string, HashCheck> _verify;

    /// <param name="verify">How a stored hash is checked: <see cref="StoredPasswordHash.Verify"/> (tests count the checks).</param>
    public SqlAccountDirectory(SqlDirectoryOptions options, ILogger<SqlAccountDirectory> logger, Func<string, string, HashCheck>? verify = null)
    {
        _verify = verify ?? StoredPasswordHash.Verify;
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
                _verify(_dummy.Hash, password);
            }
            return new PasswordCheck(PasswordOutcome.UnknownUser, null);
        }
        var (account, hash) = row.Value;
        RememberShape(hash);
        var check = _verify(hash, password);
        if (check == HashCheck.Unsupported)
        {
            Log.UnsupportedHash(_logger, account.Username);
            _verify(_dummy.Hash, password);
            return new PasswordCheck(PasswordOutcome.UnsupportedHash, account);
        }
        var outcome = check != HashCheck.Match ? PasswordOutcome.WrongPassword
            : account.Disabled ? PasswordOutcome.Disabled
            : PasswordOutcome.Succeeded;
        return new PasswordCheck(outcome, account);
    }

    public async Task<DirectoryAccount?> FindAsync(string username, CancellationToken cancellationToken)
    {
        var row = await ReadAsync(username, cancellationToken);
        if (row is not { } found)
        {
            return null;
        }
        // Re-checks read real hashes too: after a restart, live sessions set the dummy's shape before anyone signs in.
        RememberShape(found.Hash);
        return found.Account;
    }

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
            var name = Text(reader, "username") ?? username;
            var hash = Text(reader, "password_hash") ?? "";
            // The stamp binds sessions to the hash (a password change ends them at the next re-check); the session
            // record keeps only the stamp, never the hash.
            var account = new DirectoryAccount(name, Text(reader, "email") ?? "", Text(reader, "name") ?? "", Groups(reader),
                Flag(reader, "disabled"), AccountStamp.OfDirectoryAccount(name, hash));
            return (account, hash);
        }
        catch (Exception ex) when (ex is DbException or OperationCanceledException or TimeoutException or InvalidOperationException
            && !cancellationToken.IsCancellationRequested)
        {
            Log.Unavailable(_logger, ex.GetType().Name);
            throw new DirectoryUnavailableException(Kind, ex);
        }
    }

    /// <summary>Makes the dummy like <paramref name="hash"/> (same algorithm and cost), built once per shape seen.</summary>
    private void RememberShape(string hash)
    {
        if (StoredPasswordHash.ShapeOf(hash) is not { } shape || shape == _dummy.Shape)
        {
            return;
        }
        if (!_dummies.TryGetValue(shape, out var dummy))
        {
            if (_dummies.Count >= MaxShapes)
            {
                _dummies.Clear(); // a table with more shapes than this pays a dummy hash per change of shape
            }
            dummy = _dummies.GetOrAdd(shape, _ => StoredPasswordHash.DummyLike(hash));
        }
        _dummy = new DummyHash(shape, dummy);
    }

    /// <summary>The hash unknown users are checked against now (for tests: its kind and cost are the last real hash's).</summary>
    internal string CurrentDummyHash => _dummy.Hash;

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

    private sealed record DummyHash(string Shape, string Hash);

    private static partial class Log
    {
        [LoggerMessage(GatewayEventIds.Identity.SqlUnsupportedHash, LogLevel.Warning, "SQL directory: the stored password hash of {User} is of an unknown kind or malformed; that user cannot sign in")]
        public static partial void UnsupportedHash(ILogger logger, string user);

        [LoggerMessage(GatewayEventIds.Identity.SqlUnavailable, LogLevel.Warning, "SQL directory did not answer ({Fault})")]
        public static partial void Unavailable(ILogger logger, string fault);
    }
}
