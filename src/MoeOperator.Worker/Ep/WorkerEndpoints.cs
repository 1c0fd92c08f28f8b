using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace MoeOperator.Worker.Ep;

/// <summary>The pod's HTTP port (MOE_METRICS_PORT): /metrics, /healthz, and /readyz (every local rank has stepped).</summary>
public sealed class WorkerEndpoints : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WorkerEndpoints(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<WorkerEndpoints> StartAsync(IPEndPoint address, CollectorRegistry registry, Func<bool> ready, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        // The empty builder reads no appsettings files, so it sets up no file watcher: in a pod's working directory
        // (on the dev cluster, a tree of bind mounts) a recursive watcher can loop until the stack overflows.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(address));
        var app = builder.Build();
        app.Run(async context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/metrics":
                    context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
                    break;
                case "/healthz":
                    await context.Response.WriteAsync("ok", context.RequestAborted);
                    break;
                case "/readyz":
                    var isReady = ready();
                    context.Response.StatusCode = isReady ? 200 : 503;
                    await context.Response.WriteAsync(isReady ? "ranks stepping" : "waiting for the group to assemble", context.RequestAborted);
                    break;
                default:
                    context.Response.StatusCode = 404;
                    break;
            }
        });
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WorkerEndpoints(app, new Uri(bound));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
