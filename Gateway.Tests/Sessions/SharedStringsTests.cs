using Gateway.Sessions;

namespace Gateway.Tests.Sessions;

public sealed class SharedStringsTests
{
    private readonly SharedStrings _shared = new(100);

    private static SessionRecord Record(string userAgent, params string[] groups) => new()
    {
        User = "alice", Groups = groups, UserAgent = userAgent, ClientAddress = "10.0.0.1",
        CreatedAt = default, LastSeenAt = default, AbsoluteExpiresAt = default, ExpiresAt = default,
    };

    [Fact]
    public void RecordsReadApart_ShareOneCopyOfTheirRepeatedStrings_AndKeepTheirValues()
    {
        var ua = "Mozilla/5.0 (shared-strings-test " + Guid.NewGuid() + ")";
        var first = _shared.Share(Record(new string(ua), new string("staff-" + ua.Length)));
        var second = _shared.Share(Record(new string(ua), new string("staff-" + ua.Length)));

        Assert.Equal(ua, second.UserAgent);
        Assert.Same(first.UserAgent, second.UserAgent);
        Assert.Same(first.Groups[0], second.Groups[0]);
        Assert.Same(first.ClientAddress, second.ClientAddress);
        Assert.Equal(first with { }, second with { Groups = first.Groups });
    }

    /// <summary>Sessions of a provider, LDAP or SQL have no account in memory; their provider's or directory's name is still one copy.</summary>
    [Theory]
    [InlineData("corp", null)]
    [InlineData(null, "ldap")]
    [InlineData(null, "sql")]
    public void ProviderAndDirectoryNames_AreSharedToo(string? provider, string? directory)
    {
        var suffix = "-" + Guid.NewGuid();
        SessionRecord ReadApart() => Record("ua") with
        {
            Provider = provider is null ? null : new string(provider + suffix), Directory = directory is null ? null : new string(directory + suffix),
        };

        var first = _shared.Share(ReadApart());
        var second = _shared.Share(ReadApart());

        Assert.Same(first.Provider, second.Provider);
        Assert.Same(first.Directory, second.Directory);
        Assert.Equal((provider is null ? null : provider + suffix, directory is null ? null : directory + suffix), (second.Provider, second.Directory));
    }

    [Fact]
    public void RecordWithNothingToShare_IsReturnedAsItIs()
    {
        var record = _shared.Share(Record("Mozilla/5.0 (as-it-is " + Guid.NewGuid() + ")", "staff"));

        Assert.Same(record, _shared.Share(record));
    }

    [Fact]
    public void ManyDistinctStrings_StopBeingShared_AtTheBound()
    {
        // Made-up User-Agents (an attacker's) fill the pool to its bound and no further; values stay right.
        for (var i = 0; i < _shared.Capacity + 100; i++)
        {
            var ua = $"made-up-{i}-{Guid.NewGuid()}";
            Assert.Equal(ua, _shared.Share(ua));
        }
        var late = "late-" + Guid.NewGuid();
        Assert.NotSame(_shared.Share(new string(late)), _shared.Share(new string(late)));
        Assert.Null(_shared.Share((string?)null));
        var long_ = new string('x', 300);
        Assert.Same(long_, _shared.Share(long_));
    }
}
