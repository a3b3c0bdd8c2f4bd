namespace Gateway;

/// <summary>
/// Every event id the gateway logs with, in one place and each once (<c>GatewayEventIdsTests</c> fails on a
/// <c>[LoggerMessage]</c> whose id is missing here or used twice). Operators filter and alert on these numbers: never
/// reuse or renumber one; a new event takes the next free number of its folder's block.
/// </summary>
internal static class GatewayEventIds
{
    /// <summary>Composition root: 100-109.</summary>
    public static class Hosting
    {
        public const int InMemoryStore = 100;
    }

    /// <summary>Data Protection key ring: 110-119.</summary>
    public static class KeyRing
    {
        public const int Restored = 110;
        public const int NotLoaded = 111;
    }

    /// <summary>
    /// User directories: 120-129 (sessions ended by a directory edit), 1001-1099 (the users file), 8001-8099 (LDAP),
    /// 8101-8199 (SQL), 8201-8299 (re-checks of directory sessions).
    /// </summary>
    public static class Identity
    {
        public const int RevocationSessionsEnded = 120;
        public const int RevocationStoreUnavailable = 121;
        public const int RevocationStaleSessionsEnded = 122;

        public const int DirectoryLoaded = 1001;
        public const int DirectoryReloaded = 1002;
        public const int DirectoryReloadRejected = 1003;
        public const int UsersRevoked = 1004;
        public const int CredentialsChanged = 1005;

        public const int LdapUnavailable = 8001;
        public const int LdapServiceAccountRefused = 8002;
        public const int LdapAmbiguous = 8003;

        public const int SqlUnsupportedHash = 8101;
        public const int SqlUnavailable = 8102;

        public const int RecheckSessionEnded = 8201;
        public const int RecheckDirectoryDown = 8202;
        public const int RecheckFailed = 8203;
    }

    /// <summary>Forwarded headers: 130-139.</summary>
    public static class TrustedProxies
    {
        public const int Trusting = 135;
    }

    /// <summary>YARP configuration: 140-149.</summary>
    public static class Proxy
    {
        public const int RouteRulesRefused = 140;
    }

    /// <summary>The last-resort exception handler: 900-999.</summary>
    public static class Errors
    {
        public const int Unhandled = 900;
    }

    /// <summary>The session cookie: 2001-2099 (ticket store), 2101-2199 (cookie events).</summary>
    public static class Cookies
    {
        public const int SessionCreated = 2001;
        public const int StoreUnavailable = 2002;
        public const int SessionRevoked = 2101;
        public const int SessionEndedByCredentialChange = 2102;
    }

    /// <summary>Session stores: 2201-2299.</summary>
    public static class Sessions
    {
        public const int InvalidationPublishFailed = 2201;
        public const int InvalidationSubscribeDeferred = 2202;

        public const int StoreCircuitOpened = 2211;
        public const int StoreCircuitClosed = 2212;
    }

    /// <summary>Password sign-in and sign-out: 3001-3099.</summary>
    public static class Login
    {
        public const int SignedIn = 3001;
        public const int SignInFailed = 3002;
        public const int SignedOut = 3003;
        public const int LockedOut = 3004;
        public const int SignInBusy = 3005;
        public const int ProviderSignOutSkipped = 3006;
        public const int DirectoryUnavailable = 3007;
    }

    /// <summary>OpenID Connect providers: 3101-3109 (sign-in), 3111-3119 (back-channel logout).</summary>
    public static class OpenIdConnect
    {
        public const int SignedIn = 3101;
        public const int SignInFailed = 3102;
        public const int SignInRefused = 3103;
        public const int ProviderUnreachable = 3104;
        public const int ProviderRefused = 3105;
        public const int LoggedOut = 3111;
        public const int LogoutRefused = 3112;
        public const int LogoutProviderUnreachable = 3113;
    }

    /// <summary>Admin API: 5001-5099.</summary>
    public static class Admin
    {
        public const int SessionEnded = 5001;
        public const int UserSessionsEnded = 5002;
        public const int AdminOnEveryHost = 5003;
    }

    /// <summary>A user's own sessions: 5101-5199.</summary>
    public static class MySessions
    {
        public const int EndedOwnSession = 5101;
        public const int EndedOtherSessions = 5102;
        public const int NotOwnSession = 5103;
    }

    /// <summary>Forward-auth: 6001-6099.</summary>
    public static class ForwardAuth
    {
        public const int BadRequest = 6001;
        public const int UnknownPolicy = 6002;
        public const int BadForwardedHeaders = 6003;
        public const int UntrustedSender = 6004;
    }

    /// <summary>Live connections: 6101-6199.</summary>
    public static class LiveConnections
    {
        public const int Closed = 6101;
    }

    /// <summary>Canonical paths: 7001-7099.</summary>
    public static class Paths
    {
        public const int PathRefused = 7001;
    }

    /// <summary>Metrics: 9001-9099.</summary>
    public static class Metrics
    {
        public const int Listening = 9001;
    }
}
