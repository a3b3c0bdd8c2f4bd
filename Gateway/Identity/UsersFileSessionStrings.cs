using Gateway.Sessions;

namespace Gateway.Identity;

/// <summary>
/// A users-file session's record points at its account's strings (<see cref="UserDirectory"/> holds them anyway)
/// rather than at the copies a store read made: only where the values are equal, so nothing the record says changes.
/// Sessions of OpenID Connect providers, LDAP or SQL have no account held in memory and keep their own.
/// </summary>
internal sealed class UsersFileSessionStrings(UserDirectory directory) : ISessionStringSource
{
    public SessionRecord Share(SessionRecord record)
    {
        if (record.Provider is not null || record.Directory is not null || directory.Find(record.User) is not { } account)
        {
            return record;
        }
        var user = Equal(record.User, account.Username);
        var email = Equal(record.Email, account.Email);
        var name = Equal(record.Name, account.Name);
        var stamp = record.AccountStamp is { } own ? Equal(own, account.Stamp) : null;
        var groups = record.Groups.AsSpan().SequenceEqual(account.Groups) ? account.Groups : record.Groups;
        return ReferenceEquals(user, record.User) && ReferenceEquals(email, record.Email) && ReferenceEquals(name, record.Name)
            && ReferenceEquals(stamp, record.AccountStamp) && ReferenceEquals(groups, record.Groups)
            ? record
            : record with { User = user, Email = email, Name = name, AccountStamp = stamp, Groups = groups };
    }

    private static string Equal(string own, string held) => string.Equals(own, held, StringComparison.Ordinal) ? held : own;
}
