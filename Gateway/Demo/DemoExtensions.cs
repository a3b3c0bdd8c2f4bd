namespace Gateway.Demo;

internal static class DemoExtensions
{
    public const string SectionName = "Demo:Backends";

    /// <summary>
    /// Development convenience: <c>Demo:Backends</c> (<c>"app1": "http://127.0.0.1:5101"</c>) starts echo backends
    /// beside the gateway, so <c>dotnet run</c> alone shows single sign-on across two hosts.
    /// </summary>
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        var backends = configuration.GetSection(SectionName).GetChildren()
            .Where(b => !string.IsNullOrEmpty(b.Value))
            .ToDictionary(b => b.Key, b => b.Value!);
        if (backends.Count > 0)
        {
            services.AddHostedService(_ => new DemoBackendsService(backends));
        }
        return services;
    }

    private sealed class DemoBackendsService(IReadOnlyDictionary<string, string> backends) : IHostedService
    {
        private readonly List<EchoBackend> _running = [];

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var (name, url) in backends)
            {
                _running.Add(await EchoBackend.StartAsync(name, url, cancellationToken));
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            foreach (var backend in _running)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
