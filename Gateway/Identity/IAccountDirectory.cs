namespace Gateway.Identity;

/// <summary>
/// A place where the site's accounts live and passwords are checked: the users file, LDAP / Active Directory, an
/// SQL users table. Every directory answers unknown users after the same work as known ones (no enumeration by
/// timing) and throws <see cref="DirectoryUnavailableException"/> when it cannot answer (the sign-in gets 503).
/// </summary>
internal interface IAccountDirectory
{
    /// <summary>Short name, e.g. <c>file</c>, <c>ldap</c>, <c>sql</c>: where a session's account came from.</summary>
    string Kind { get; }

    /// <summary>Finds the account and checks its password. CPU-heavy: callers bound how many run at once.</summary>
    /// <param name="checkUnknown">
    /// For an unknown user, do the work a real check costs anyway (a dummy hash, a failing bind). Only the last
    /// directory a sign-in asks does it, so that an unknown name costs what a known one does, once.
    /// </param>
    Task<PasswordCheck> CheckPasswordAsync(string username, string password, bool checkUnknown, CancellationToken cancellationToken);

    /// <summary>The account as the directory has it now (for re-checking live sessions); null when it is gone.</summary>
    Task<DirectoryAccount?> FindAsync(string username, CancellationToken cancellationToken);
}

/// <summary>An account as a directory describes it; <see cref="Username"/> as written there.</summary>
/// <param name="Stamp">
/// The account's <see cref="AccountStamp"/>: of its name and password hash (users file, SQL), or of its LDAP
/// password-changed time; null when the directory gives nothing to bind a session to a password.
/// </param>
internal sealed record DirectoryAccount(string Username, string Email, string Name, IReadOnlyList<string> Groups, bool Disabled, string? Stamp = null);

internal enum PasswordOutcome
{
    Succeeded,
    UnknownUser,
    WrongPassword,
    Disabled,

    /// <summary>The account's stored hash is of a kind the gateway cannot check: that user cannot sign in.</summary>
    UnsupportedHash,
}

/// <summary>The answer to a sign-in: <see cref="Account"/> is set when the account was found.</summary>
internal sealed record PasswordCheck(PasswordOutcome Outcome, DirectoryAccount? Account)
{
    public bool Succeeded => Outcome == PasswordOutcome.Succeeded;
}

/// <summary>The directory did not answer (in time): sign-in fails closed with 503; live sessions are kept.</summary>
internal sealed class DirectoryUnavailableException(string directory, Exception? inner = null)
    : Exception($"The {directory} directory did not answer.", inner)
{
    public string Directory { get; } = directory;
}
