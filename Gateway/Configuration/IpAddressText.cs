using System.Net;
using System.Net.Sockets;

namespace Gateway.Configuration;

/// <summary>
/// Addresses and networks as operators write them in configuration (trusted proxies), read strictly: what is more
/// likely a typing mistake than the intended address is refused rather than interpreted.
/// </summary>
internal static class IpAddressText
{
    /// <summary>
    /// An address written out in full: <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> also takes "10.1"
    /// (10.0.0.1) and "167772161", which are more likely typing mistakes than intended proxies.
    /// </summary>
    public static IPAddress? ParseAddress(string? text) =>
        IPAddress.TryParse(text?.Trim(), out var address)
        && (address.AddressFamily == AddressFamily.InterNetworkV6 || text!.Count(c => c == '.') == 3)
            ? address
            : null;

    /// <summary>A network in CIDR form with its host bits clear ("10.0.0.5/8" is more likely a mistyped address).</summary>
    public static IPNetwork? ParseNetwork(string? text)
    {
        var slash = text?.IndexOf('/') ?? -1;
        return slash > 0 && ParseAddress(text![..slash]) is { } address && IPNetwork.TryParse(text.Trim(), out var network)
            && network.BaseAddress.Equals(address)
            ? network
            : null;
    }
}
