namespace Gateway.Observability;

/// <summary>Endpoint metadata of the health probes, whose successful requests the request log leaves out.</summary>
internal sealed class HealthProbeEndpoint
{
    public static readonly HealthProbeEndpoint Instance = new();

    private HealthProbeEndpoint()
    {
    }
}
