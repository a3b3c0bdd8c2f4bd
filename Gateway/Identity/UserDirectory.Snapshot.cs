namespace Gateway.Identity;

internal sealed partial class UserDirectory
{
    /// <summary>
    /// The directory in force, as one immutable snapshot: a reload swaps in a new instance, so a reference
    /// comparison tells whether anything changed (see <see cref="PasswordVerifier"/>).
    /// </summary>
    internal IReadOnlyDictionary<string, UserAccount> Snapshot => _users;
}
