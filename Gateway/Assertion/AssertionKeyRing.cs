using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Assertion;

/// <summary>
/// The ES256 signing keys, shared by every instance through <see cref="IAssertionKeyStore"/> and rotated by the clock:
/// time is cut into periods of <c>Sso:Assertion:KeyRotation</c>, and period n signs with key n. Key n+1 is created
/// (and so published at <c>jwks.json</c>) as soon as anything happens in period n, a whole period before it signs, so
/// backends that cache the key set have it before they meet it; key n-1 stays published through period n, far longer
/// than any token it signed lives. Private keys are stored protected with Data Protection (the gateway's shared key
/// ring), never in the clear. Each instance keeps the keys it has read in memory, so the store is asked only when a
/// period begins.
/// </summary>
internal sealed class AssertionKeyRing(
    IAssertionKeyStore store,
    IDataProtectionProvider dataProtection,
    IOptions<AssertionOptions> options,
    TimeProvider time)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Gateway.Assertion.SigningKey.v1");
    private readonly long _periodMs = Math.Max(1, (long)options.Value.KeyRotation.TotalMilliseconds);
    private readonly ConcurrentDictionary<long, Lazy<Task<AssertionSigningKey?>>> _keys = new();

    // Epoch → the key the store holds (null: no key was ever made for a past period). Periods far behind are dropped.
    private long Epoch(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / _periodMs;

    /// <summary>The key that signs now; also makes sure the next period's key is published.</summary>
    public async Task<AssertionSigningKey> CurrentAsync(CancellationToken cancellationToken)
    {
        var epoch = Epoch(time.GetUtcNow());
        var current = await KeyAsync(epoch, create: true, cancellationToken);
        await KeyAsync(epoch + 1, create: true, cancellationToken);
        return current!;
    }

    /// <summary>Every key a backend may meet now: the previous period's (if there was one), the current and the next.</summary>
    public async Task<IReadOnlyList<AssertionSigningKey>> PublishedAsync(CancellationToken cancellationToken)
    {
        var epoch = Epoch(time.GetUtcNow());
        var keys = new List<AssertionSigningKey>(3);
        if (await KeyAsync(epoch - 1, create: false, cancellationToken) is { } previous)
        {
            keys.Add(previous);
        }
        keys.Add((await KeyAsync(epoch, create: true, cancellationToken))!);
        keys.Add((await KeyAsync(epoch + 1, create: true, cancellationToken))!);
        return keys;
    }

    private async Task<AssertionSigningKey?> KeyAsync(long epoch, bool create, CancellationToken cancellationToken)
    {
        var lazy = _keys.GetOrAdd(epoch, e => new Lazy<Task<AssertionSigningKey?>>(() => LoadAsync(e, create)));
        AssertionSigningKey? key;
        try
        {
            key = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch
        {
            // A failed read is not remembered: the next request asks the store again.
            _keys.TryRemove(new KeyValuePair<long, Lazy<Task<AssertionSigningKey?>>>(epoch, lazy));
            throw;
        }
        if (key is null && create)
        {
            // Remembered as absent when only looked at; now it is needed.
            _keys.TryRemove(new KeyValuePair<long, Lazy<Task<AssertionSigningKey?>>>(epoch, lazy));
            return await KeyAsync(epoch, create, cancellationToken);
        }
        Forget(epoch);
        return key;
    }

    private void Forget(long current)
    {
        foreach (var epoch in _keys.Keys)
        {
            if (epoch < current - 2)
            {
                _keys.TryRemove(epoch, out _);
            }
        }
    }

    private async Task<AssertionSigningKey?> LoadAsync(long epoch, bool create)
    {
        var stored = create
            ? await store.GetOrAddAsync(epoch, NewProtectedKey(), TimeSpan.FromMilliseconds(_periodMs * 3) + TimeSpan.FromMinutes(1), CancellationToken.None)
            : await store.GetAsync(epoch, CancellationToken.None);
        return stored is null ? null : Unprotect(stored);
    }

    private string NewProtectedKey()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stored = new StoredSigningKey(
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            Base64Url.EncodeToString(_protector.Protect(ecdsa.ExportPkcs8PrivateKey())));
        return JsonSerializer.Serialize(stored, AssertionJsonContext.Default.StoredSigningKey);
    }

    private AssertionSigningKey Unprotect(string stored)
    {
        var key = JsonSerializer.Deserialize(stored, AssertionJsonContext.Default.StoredSigningKey)
            ?? throw new InvalidOperationException("An assertion signing key in the store is empty.");
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(_protector.Unprotect(Base64Url.DecodeFromChars(key.ProtectedPkcs8)), out _);
        return new AssertionSigningKey(key.KeyId, ecdsa);
    }
}

/// <summary>One signing key: its id (<c>kid</c>), the key, and its public half as a JWK.</summary>
internal sealed class AssertionSigningKey
{
    public AssertionSigningKey(string keyId, ECDsa key)
    {
        KeyId = keyId;
        var securityKey = new ECDsaSecurityKey(key) { KeyId = keyId };
        Credentials = new SigningCredentials(securityKey, SecurityAlgorithms.EcdsaSha256);
        var parameters = key.ExportParameters(includePrivateParameters: false);
        PublicJwk = new PublicJsonWebKey("EC", "P-256", Base64Url.EncodeToString(parameters.Q.X), Base64Url.EncodeToString(parameters.Q.Y),
            keyId, "sig", SecurityAlgorithms.EcdsaSha256);
    }

    public string KeyId { get; }

    public SigningCredentials Credentials { get; }

    public PublicJsonWebKey PublicJwk { get; }
}

internal sealed record StoredSigningKey(
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("key")] string ProtectedPkcs8);

internal sealed record PublicJsonWebKey(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("crv")] string Curve,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Algorithm);

internal sealed record JsonWebKeySetView([property: JsonPropertyName("keys")] IReadOnlyList<PublicJsonWebKey> Keys);

[JsonSerializable(typeof(StoredSigningKey))]
[JsonSerializable(typeof(JsonWebKeySetView))]
internal sealed partial class AssertionJsonContext : JsonSerializerContext;
