namespace Gateway.Identity;

/// <summary>The users file (<c>Sso:UsersFile</c>) as one of the sign-in form's directories.</summary>
internal sealed class UsersFileAccounts(UserDirectory directory, PasswordVerifier verifier) : IAccountDirectory
{
    public const string Name = "file";

    public string Kind => Name;

    public Task<PasswordCheck> CheckPasswordAsync(string username, string password, bool checkUnknown, CancellationToken cancellationToken)
    {
        var user = directory.Find(username);
        if (user is null)
        {
            if (checkUnknown)
            {
                verifier.Verify(username, password); // against the dummy hash of the directory's own cost
            }
            return Task.FromResult(new PasswordCheck(PasswordOutcome.UnknownUser, null));
        }
        var account = ToAccount(user);
        var outcome = verifier.Verify(username, password) is not null ? PasswordOutcome.Succeeded
            : user.Disabled ? PasswordOutcome.Disabled
            : PasswordOutcome.WrongPassword;
        return Task.FromResult(new PasswordCheck(outcome, account));
    }

    public Task<DirectoryAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        Task.FromResult(directory.Find(username) is { } user ? ToAccount(user) : null);

    private static DirectoryAccount ToAccount(UserAccount user) => new(user.Username, user.Email, user.Name, user.Groups, user.Disabled, user.Stamp);
}
