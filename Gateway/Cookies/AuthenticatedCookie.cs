using Gateway.Sessions;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Cookies;

/// <summary>
/// One successful authentication of a session cookie: the session it named, the record instance the ticket was built
/// from, the user directory version it was checked against, and the result the handler returned.
/// </summary>
internal sealed record AuthenticatedCookie(
    SessionKey Key,
    SessionRecord Record,
    object DirectoryVersion,
    Task<AuthenticateResult> Result);
