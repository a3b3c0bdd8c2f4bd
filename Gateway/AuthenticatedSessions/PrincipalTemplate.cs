using System.Collections.Concurrent;
using System.Security.Claims;

namespace Gateway.AuthenticatedSessions;

/// <summary>
/// A principal the framework produced, written down small enough to keep for every live session: its one identity's
/// authentication, name and role claim types and its claims as (type, value) pairs, the strings shared with the
/// principal it was taken from. <see cref="Create"/> gives each request a principal of its own, equal claim for claim,
/// so nothing a request does to its principal reaches another request. About 8 bytes a claim (the claim types, and
/// the identity's, are kept once for all principals of the same shape), instead of about 1 KB for a principal of eight
/// claims kept as objects.
/// </summary>
/// <remarks>
/// Only principals the gateway itself builds (<see cref="Identity.UserPrincipal"/>) are written down: one identity,
/// string claims issued by the default issuer, no claim properties, actor, label or bootstrap context.
/// <see cref="TryCreate"/> refuses anything else, so a template never loses a detail of the principal it stands for.
/// </remarks>
internal sealed class PrincipalTemplate
{
    private readonly Shape _shape;
    private readonly string[] _values;

    private PrincipalTemplate(Shape shape, string[] values)
    {
        _shape = shape;
        _values = values;
    }

    /// <summary>The template of <paramref name="principal"/>, or null when it has anything a template cannot hold.</summary>
    public static PrincipalTemplate? TryCreate(ClaimsPrincipal principal)
    {
        if (principal.Identities.Count() != 1 || principal.Identity is not ClaimsIdentity identity
            || identity.GetType() != typeof(ClaimsIdentity)
            || identity.Actor is not null || identity.Label is not null || identity.BootstrapContext is not null)
        {
            return null;
        }
        var types = new List<string>();
        var values = new List<string>();
        foreach (var claim in identity.Claims)
        {
            if (claim.GetType() != typeof(Claim) || claim.ValueType != ClaimValueTypes.String
                || claim.Issuer != ClaimsIdentity.DefaultIssuer || claim.OriginalIssuer != ClaimsIdentity.DefaultIssuer
                || claim.Properties.Count > 0)
            {
                return null;
            }
            types.Add(claim.Type);
            values.Add(claim.Value);
        }
        return new PrincipalTemplate(Shape.Of(identity, [.. types]), [.. values]);
    }

    /// <summary>A new principal, equal to the one the template was taken from.</summary>
    public ClaimsPrincipal Create()
    {
        var identity = new ClaimsIdentity(_shape.AuthenticationType, _shape.NameClaimType, _shape.RoleClaimType);
        var types = _shape.ClaimTypes;
        for (var i = 0; i < types.Length; i++)
        {
            // Built with its subject, so the identity keeps this claim rather than a copy of it.
            identity.AddClaim(new Claim(types[i], _values[i], ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));
        }
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// What principals of one kind have in common (authentication, name and role claim types, claim types in order):
    /// one instance for every template of that kind, so a session keeps only its claim values. Equal by content.
    /// </summary>
    private sealed record Shape(string? AuthenticationType, string NameClaimType, string RoleClaimType, string[] ClaimTypes)
    {
        // The gateway's principals come in a few shapes (one per directory and number of groups); past this many, new
        // shapes are not shared.
        private const int MaxShared = 256;

        private static readonly ConcurrentDictionary<Shape, Shape> Shared = new();

        public static Shape Of(ClaimsIdentity identity, string[] claimTypes)
        {
            var shape = new Shape(identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType, claimTypes);
            if (Shared.TryGetValue(shape, out var shared))
            {
                return shared;
            }
            return Shared.Count < MaxShared ? Shared.GetOrAdd(shape, shape) : shape;
        }

        public bool Equals(Shape? other) =>
            other is not null && AuthenticationType == other.AuthenticationType && NameClaimType == other.NameClaimType
            && RoleClaimType == other.RoleClaimType && ClaimTypes.AsSpan().SequenceEqual(other.ClaimTypes);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(AuthenticationType);
            hash.Add(NameClaimType);
            hash.Add(RoleClaimType);
            foreach (var type in ClaimTypes)
            {
                hash.Add(type);
            }
            return hash.ToHashCode();
        }
    }
}
