namespace Gateway.Observability;

/// <summary>
/// <c>dotnet Gateway.dll healthcheck [url]</c>: asks a running gateway for its liveness endpoint and exits 0 on a
/// 2xx answer, 1 otherwise. For container health checks (the runtime image has no curl or wget). Without a URL it asks
/// <c>http://127.0.0.1:{first port of ASPNETCORE_HTTP_PORTS, else 8080}/_sso/healthz</c>.
/// </summary>
public static class HealthCheckCommand
{
    public const string Name = "healthcheck";

    public const string PortsVariable = "ASPNETCORE_HTTP_PORTS";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        var url = arguments.Count > 0 ? arguments[0] : DefaultUrl(Environment.GetEnvironmentVariable(PortsVariable));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"healthcheck: '{url}' is not an http(s) URL, e.g. http://127.0.0.1:8080/_sso/healthz.");
            return 2;
        }
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
            var healthy = response.IsSuccessStatusCode;
            await (healthy ? output : error).WriteLineAsync($"healthcheck: {uri} answered {(int)response.StatusCode}.");
            return healthy ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"healthcheck: {uri} did not answer: {ex.Message}");
            return 1;
        }
    }

    /// <summary>The liveness URL on loopback for the first port of <c>ASPNETCORE_HTTP_PORTS</c> (<c>8080;8081</c>).</summary>
    public static string DefaultUrl(string? httpPorts)
    {
        var first = (httpPorts ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault();
        var port = int.TryParse(first, out var parsed) && parsed is > 0 and <= 65535 ? parsed : 8080;
        return $"http://127.0.0.1:{port}/_sso/healthz";
    }
}
