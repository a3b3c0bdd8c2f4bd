using System.Net;
using Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.ForwardAuth;

/// <summary>The networks of <c>Sso:ForwardAuth:TrustedProxies</c>, and whether a peer address is in one of them.</summary>
internal sealed class TrustedProxyNetworks(IOptions<ForwardAuthOptions> options)
{
    private readonly IPNetwork[] _networks = options.Value.EffectiveTrustedProxies.Select(text => Parse(text)!.Value).ToArray();

    /// <summary>A CIDR network, or a single address as the network of just that address.</summary>
    public static IPNetwork? Parse(string? text) =>
        text?.Contains('/') == true
            ? IpAddressText.ParseNetwork(text)
            : IpAddressText.ParseAddress(text) is { } address ? new IPNetwork(address, address.GetAddressBytes().Length * 8) : null;

    public bool Contains(IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }
        // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; an IPv4 network must still match them.
        var v4 = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : null;
        foreach (var network in _networks)
        {
            if (network.Contains(peer) || (v4 is not null && network.Contains(v4)))
            {
                return true;
            }
        }
        return false;
    }
}
