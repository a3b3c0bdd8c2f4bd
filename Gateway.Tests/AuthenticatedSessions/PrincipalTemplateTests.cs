using System.Security.Claims;
using Gateway.AuthenticatedSessions;
using Gateway.Identity;
using Gateway.Sessions;

namespace Gateway.Tests.AuthenticatedSessions;

/// <summary>
/// An authenticated session keeps its principal written down (<see cref="PrincipalTemplate"/>) and gives each request
/// its own copy: equal claim for claim for every principal the gateway builds, refused for anything it could not copy
/// exactly, and no larger than the authenticated-session cache estimates. In a collection that runs alone: the memory
/// measurement counts the whole process's heap, so no other test may allocate beside it.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class PrincipalTemplateTests
{
    public static TheoryData<string, ClaimsPrincipal> GatewayPrincipals => new()
    {
        { "users file, with stamp", UserPrincipal.WithAccountStamp(UserPrincipal.Create("alice", "alice@example.com", "Alice", ["staff", "admins"], "handle123456"), "stamp") },
        { "no groups, no handle", UserPrincipal.Create("bob", "", "", [], null) },
        { "unicode", UserPrincipal.Create("张三", "zhang@example.com", "张三", ["研发", "staff"], "handle123456") },
        { "provider with sid and sub", UserPrincipal.FromProvider(UserPrincipal.Create("carol", "c@example.com", "Carol", ["g"], "h"), "corp", "sidhash", "sub-1") },
        { "provider, subject only", UserPrincipal.FromProvider(UserPrincipal.Create("dave", "d@example.com", "Dave", [], "h"), "corp", null, "sub-2") },
        { "ldap", UserPrincipal.FromDirectory(UserPrincipal.Create("erin", "e@example.com", "Erin", ["a", "b", "c"], "h"), "ldap") },
        { "forty groups", UserPrincipal.Create("frank", "f@example.com", "Frank", Enumerable.Range(0, 40).Select(i => $"group{i}").ToArray(), "h") },
    };

    [Theory]
    [MemberData(nameof(GatewayPrincipals))]
    public void EveryPrincipalTheGatewayBuilds_IsCopiedClaimForClaim(string shape, ClaimsPrincipal principal)
    {
        var template = PrincipalTemplate.TryCreate(principal);
        Assert.NotNull(template);

        var copy = template.Create();

        Assert.NotSame(principal, copy);
        Assert.Equal(Describe(principal), Describe(copy));
        var identity = (ClaimsIdentity)copy.Identity!;
        Assert.True(identity.IsAuthenticated, shape);
        Assert.Equal(principal.Identity!.Name, identity.Name);
        Assert.All(identity.Claims, c => Assert.Same(identity, c.Subject));
        foreach (var group in principal.FindAll(GatewayClaimTypes.Group))
        {
            Assert.True(copy.IsInRole(group.Value), group.Value);
        }
        Assert.Equal(IdentityHeaderValues.Of(principal), IdentityHeaderValues.Of(copy));
    }

    [Fact]
    public void EachRequestsCopy_IsItsOwn()
    {
        var template = PrincipalTemplate.TryCreate(UserPrincipal.Create("alice", "alice@example.com", "Alice", ["staff"], "h"))!;
        var first = template.Create();

        // Whatever one request does to its principal reaches no other request.
        ((ClaimsIdentity)first.Identity!).AddClaim(new Claim(GatewayClaimTypes.Group, "admins"));
        ((ClaimsIdentity)first.Identity!).RemoveClaim(first.FindFirst(GatewayClaimTypes.Email));
        var second = template.Create();

        Assert.False(second.IsInRole("admins"));
        Assert.Equal("alice@example.com", second.FindFirst(GatewayClaimTypes.Email)?.Value);
    }

    public static TheoryData<string, ClaimsPrincipal> PrincipalsATemplateCannotHold
    {
        get
        {
            ClaimsPrincipal Alice() => UserPrincipal.Create("alice", "a@example.com", "Alice", ["staff"], "h");
            ClaimsIdentity IdentityOf(ClaimsPrincipal p) => (ClaimsIdentity)p.Identity!;

            var twoIdentities = Alice();
            twoIdentities.AddIdentity(new ClaimsIdentity([new Claim("extra", "x")], "other"));
            var typed = Alice();
            IdentityOf(typed).AddClaim(new Claim("age", "42", ClaimValueTypes.Integer));
            var issued = Alice();
            IdentityOf(issued).AddClaim(new Claim("role", "x", ClaimValueTypes.String, "https://idp.example"));
            var withProperties = Alice();
            var property = new Claim("note", "x");
            property.Properties["source"] = "somewhere";
            IdentityOf(withProperties).AddClaim(property);
            var withActor = Alice();
            IdentityOf(withActor).Actor = new ClaimsIdentity("delegated");
            var labelled = Alice();
            IdentityOf(labelled).Label = "label";
            var bootstrapped = Alice();
            IdentityOf(bootstrapped).BootstrapContext = "token";
            var subclassed = new ClaimsPrincipal(new GenericIdentityLike());
            var anonymous = new ClaimsPrincipal();
            return new()
            {
                { "two identities", twoIdentities },
                { "a claim of another value type", typed },
                { "a claim of another issuer", issued },
                { "a claim with properties", withProperties },
                { "an actor", withActor },
                { "a label", labelled },
                { "a bootstrap context", bootstrapped },
                { "an identity of another type", subclassed },
                { "no identity", anonymous },
            };
        }
    }

    [Theory]
    [MemberData(nameof(PrincipalsATemplateCannotHold))]
    public void APrincipalWithAnythingATemplateCannotHold_IsRefused_SoItsSessionAlwaysTakesTheFrameworksPath(string shape, ClaimsPrincipal principal)
    {
        Assert.True(PrincipalTemplate.TryCreate(principal) is null, shape);
        Assert.Null(AuthenticatedSession.TryCreate(SessionKey.FromSessionId(SessionId.New()), Record("alice"), new object(), principal));
    }

    [Fact]
    public void AnEntry_TakesNoMoreMemory_ThanTheCacheEstimates()
    {
        const int count = 20_000;
        string[] groups = ["staff", "engineering", "admins", "on-call"];
        // What the entries share with the session records (the records and their strings) exists first: the session
        // cache accounts for it. The framework's principal is built from the record (SessionTicketStore) and is the
        // request's: it goes once the request ends.
        var records = new SessionRecord[count];
        var keys = new SessionKey[count];
        for (var i = 0; i < count; i++)
        {
            var user = $"user{i:D5}";
            records[i] = Record(user) with { Email = $"{user}@example.com", Name = $"User {i}", Groups = groups, AccountStamp = $"stamp{i:D20}" };
            keys[i] = SessionKey.FromSessionId(SessionId.New());
        }
        var directory = new object();

        // GC.GetTotalMemory counts the whole process: tests running beside this one can only add to what it reads, so
        // the least of three measurements is the one nearest the truth. Each in a frame of its own, so that nothing of
        // one attempt is still reachable in the next one's "before".
        var perEntry = Enumerable.Range(0, 3).Min(_ => MeasureEntries(records, keys, directory));

        // The estimate leaves the dictionary node (about 50 bytes) to the overhead, too.
        var estimate = AuthenticatedSessionCache.EntryOverheadBytes + AuthenticatedSessionCache.BytesPerGroup * groups.Length;
        Assert.InRange(perEntry, 1, estimate - 64);
        GC.KeepAlive(records);
        GC.KeepAlive(keys);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static double MeasureEntries(SessionRecord[] records, SessionKey[] keys, object directory)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var sessions = new AuthenticatedSession[records.Length];
        for (var i = 0; i < records.Length; i++)
        {
            var r = records[i];
            var principal = UserPrincipal.WithAccountStamp(UserPrincipal.Create(r.User, r.Email, r.Name, r.Groups, keys[i].Handle), r.AccountStamp);
            sessions[i] = AuthenticatedSession.TryCreate(keys[i], r, directory, principal)!;
            sessions[i].RecordPassed("default");
        }
        var perEntry = (GC.GetTotalMemory(forceFullCollection: true) - before) / (double)records.Length;
        GC.KeepAlive(sessions);
        return perEntry;
    }

    private static SessionRecord Record(string user) => new()
    {
        User = user, CreatedAt = default, LastSeenAt = default, AbsoluteExpiresAt = default, ExpiresAt = default,
    };

    private static string[] Describe(ClaimsPrincipal principal)
    {
        var identity = (ClaimsIdentity)principal.Identity!;
        return
        [
            $"auth={identity.AuthenticationType}", $"name-type={identity.NameClaimType}", $"role-type={identity.RoleClaimType}",
            .. identity.Claims.Select(c => $"{c.Type}={c.Value}|{c.ValueType}|{c.Issuer}|{c.OriginalIssuer}|{c.Properties.Count}"),
        ];
    }

    private sealed class GenericIdentityLike() : ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], "custom");
}

/// <summary>Tests that measure the process's heap: run after the others, one at a time, with nothing beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurement (alone)";
}
