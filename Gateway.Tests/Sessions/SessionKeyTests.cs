using System.Security.Cryptography;
using System.Text;
using Gateway.Sessions;

namespace Gateway.Tests.Sessions;

/// <summary>The store key is a hash of the session id, so a copy of the store yields no working cookie (SPEC §6).</summary>
public sealed class SessionKeyTests
{
    [Fact]
    public void FromSessionId_IsDeterministic()
    {
        var id = SessionId.New();

        Assert.Equal(SessionKey.FromSessionId(id), SessionKey.FromSessionId(id));
    }

    [Fact]
    public void FromSessionId_IsTheBase64UrlSha256OfTheId_NotTheIdItself()
    {
        var id = SessionId.New();

        var key = SessionKey.FromSessionId(id);

        Assert.NotEqual(id, key.Value);
        Assert.DoesNotContain(id, key.Value);
        Assert.Equal(43, key.Value.Length);
        Assert.Equal(System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(id))), key.Value);
    }

    [Fact]
    public void FromSessionId_DifferentIds_GiveDifferentKeys()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => SessionKey.FromSessionId(SessionId.New()).Value).ToHashSet();

        Assert.Equal(1000, keys.Count);
    }

    [Fact]
    public void Handle_Is12CharactersOfTheKey_AndIsWhatToStringShows()
    {
        var id = SessionId.New();
        var key = SessionKey.FromSessionId(id);

        Assert.Equal(12, key.Handle.Length);
        Assert.StartsWith(key.Handle, key.Value, StringComparison.Ordinal);
        Assert.Equal(key.Handle, key.ToString());
        Assert.DoesNotContain(key.Handle, id);
    }
}
