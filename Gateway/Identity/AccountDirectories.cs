using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Identity;

/// <summary>
/// The directories the sign-in form asks, in the order of <c>Sso:Directories</c> (default: the users file when one
/// is configured, then LDAP, then SQL). A username found in one directory is answered by that directory alone: a
/// wrong password there never falls through to the next one.
/// </summary>
internal sealed class AccountDirectories
{
    private readonly IReadOnlyList<IAccountDirectory> _ordered;

    public AccountDirectories(IEnumerable<IAccountDirectory> directories, IOptions<SsoOptions> options)
    {
        var byKind = directories.Where(d => d.Kind.Length > 0).ToDictionary(d => d.Kind, StringComparer.OrdinalIgnoreCase);
        IReadOnlyList<string> order = options.Value.Directories is { Count: > 0 } configured ? configured : DefaultOrder;
        _ordered = order.Where(byKind.ContainsKey).Select(kind => byKind[kind]).ToList();
    }

    public static readonly string[] DefaultOrder = [UsersFileAccounts.Name, "ldap", "sql"];

    /// <summary>True when any directory can check a password (else the sign-in page shows no password form).</summary>
    public bool Any => _ordered.Count > 0;

    public IAccountDirectory? Find(string kind) => _ordered.FirstOrDefault(d => string.Equals(d.Kind, kind, StringComparison.OrdinalIgnoreCase));

    /// <summary>Asks each directory in turn until one knows the user; unknown everywhere costs one dummy check, in the last.</summary>
    /// <exception cref="DirectoryUnavailableException">A directory asked did not answer.</exception>
    public async Task<(IAccountDirectory? Directory, PasswordCheck Check)> CheckPasswordAsync(string username, string password, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _ordered.Count; i++)
        {
            var check = await _ordered[i].CheckPasswordAsync(username, password, checkUnknown: i == _ordered.Count - 1, cancellationToken);
            if (check.Outcome != PasswordOutcome.UnknownUser)
            {
                return (_ordered[i], check);
            }
        }
        return (null, new PasswordCheck(PasswordOutcome.UnknownUser, null));
    }
}
