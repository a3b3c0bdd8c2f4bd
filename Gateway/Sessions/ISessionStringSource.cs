namespace Gateway.Sessions;

/// <summary>
/// Something that holds, in memory, strings that session records repeat (the users file's accounts: user name, email,
/// display name, groups, account stamp; <see cref="SharedStrings"/>: User-Agents, addresses, group and provider
/// names). A record the session cache holds anew points at those instead of at copies of its own: read back from the
/// store, 100 000 sessions would otherwise hold 100 000 copies.
/// </summary>
internal interface ISessionStringSource
{
    /// <summary>The record with each string this source holds an equal one of replaced by it; the same instance when none is.</summary>
    SessionRecord Share(SessionRecord record);
}
