using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;
using Gateway.Identity;
using Gateway.Metrics;
using Microsoft.Extensions.Options;

namespace Gateway.Login;

/// <summary>
/// SPEC §9: failed sign-ins are counted per normalised username and per client address; past
/// <c>Sso:Lockout:MaxFailures</c> in <c>Sso:Lockout:Window</c> the answer is 429, even for the right password.
/// </summary>
/// <remarks>
/// Every attempt is counted before the password is checked, so parallel guesses cannot slip past the limit
/// between check and count; a success then takes its attempt back from the address counter (a success is not a
/// failure, but it does not wipe other failures from that address) and resets the username counter (the person
/// proved they know the password).
/// </remarks>
internal sealed class SignInLockout(ISignInAttemptStore store, IOptions<SsoOptions> options, GatewayMetrics? metrics = null)
{
    private readonly LockoutOptions _options = options.Value.Lockout;

    /// <summary>Counts an attempt; the result says whether it may proceed.</summary>
    public async Task<SignInAttempt> BeginAsync(string username, string clientAddress, CancellationToken cancellationToken)
    {
        var userKey = UserKey(username);
        var addressKey = AddressKey(clientAddress);
        var address = (await store.IncrementAsync([addressKey], _options.Window, cancellationToken))[0];
        // The attempt that takes a counter past the limit begins a lockout: exactly one per counter and window, on
        // whichever instance made it (the counters are shared).
        if (address.Count == _options.MaxFailures + 1)
        {
            metrics?.LockoutBegan("address");
        }
        if (address.Count > _options.MaxFailures)
        {
            // Refused by its address alone, the attempt does not count for the name: otherwise one locked-out address
            // could fill the store with a counter for every name it makes up (at most MaxFailures + 1 names per
            // address and window are counted now).
            return new SignInAttempt(userKey, addressKey, LockoutReason.Address, address.WindowLeft);
        }
        var user = (await store.IncrementAsync([userKey], _options.Window, cancellationToken))[0];
        if (user.Count == _options.MaxFailures + 1)
        {
            metrics?.LockoutBegan("username");
        }
        var lockedBy = (user.Count > _options.MaxFailures, address.Count > _options.MaxFailures) switch
        {
            (true, true) => LockoutReason.UsernameAndAddress,
            (true, false) => LockoutReason.Username,
            (false, true) => LockoutReason.Address,
            _ => LockoutReason.None,
        };
        var retryAfter = lockedBy switch
        {
            LockoutReason.UsernameAndAddress => Max(user.WindowLeft, address.WindowLeft),
            LockoutReason.Username => user.WindowLeft,
            LockoutReason.Address => address.WindowLeft,
            _ => TimeSpan.Zero,
        };
        return new SignInAttempt(userKey, addressKey, lockedBy, retryAfter);
    }

    /// <summary>The attempt succeeded: forget the username's failures, take this attempt back from the address.</summary>
    public Task SucceededAsync(SignInAttempt attempt, CancellationToken cancellationToken) =>
        Task.WhenAll(store.ResetAsync(attempt.UserKey, cancellationToken), store.DecrementAsync(attempt.AddressKey, cancellationToken));

    /// <summary>The attempt was never made (the gateway was too busy to check it): take it back from both counters.</summary>
    public Task NotAttemptedAsync(SignInAttempt attempt, CancellationToken cancellationToken) =>
        Task.WhenAll(store.DecrementAsync(attempt.UserKey, cancellationToken), store.DecrementAsync(attempt.AddressKey, cancellationToken));

    /// <summary>Trimmed, normalised as the directory compares names (<see cref="UserNames"/>) and hashed, so the key is short whatever was typed.</summary>
    internal static string UserKey(string username)
    {
        var normalised = UserNames.Normalize(username.Trim());
        return "u:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)).AsSpan(0, 16));
    }

    /// <summary>IPv4 (also when mapped into IPv6) per address; IPv6 per /64, the block one subscriber usually holds.</summary>
    internal static string AddressKey(string clientAddress)
    {
        if (!IPAddress.TryParse(clientAddress, out var address))
        {
            return "a:" + clientAddress;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return "a:" + new IPAddress(bytes) + "/64";
        }
        return "a:" + address;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

internal enum LockoutReason
{
    None,
    Username,
    Address,
    UsernameAndAddress,
}

/// <summary>One counted sign-in attempt.</summary>
internal sealed record SignInAttempt(string UserKey, string AddressKey, LockoutReason LockedBy, TimeSpan RetryAfter)
{
    public bool IsLockedOut => LockedBy != LockoutReason.None;

    /// <summary>Whole seconds for <c>Retry-After</c>, at least one.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));
}
