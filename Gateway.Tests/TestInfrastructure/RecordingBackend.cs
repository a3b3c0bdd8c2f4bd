using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.TestInfrastructure;

/// <summary>
/// A backend that answers 200 to everything and records each request target exactly as it arrived on the wire
/// (<see cref="IHttpRequestFeature.RawTarget"/>), so a test can see what a backend with its own path handling would
/// make of it.
/// </summary>
public sealed class RecordingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _targets = new();

    private RecordingBackend(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    /// <summary>Every raw request target received so far, in order.</summary>
    public IReadOnlyCollection<string> Targets => _targets;

    public static async Task<RecordingBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var backend = new RecordingBackend(app);
        app.Run(context =>
        {
            backend._targets.Enqueue(context.Features.Get<IHttpRequestFeature>()!.RawTarget);
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("backend");
        });
        await app.StartAsync();
        return backend;
    }

    public void Clear() => _targets.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
