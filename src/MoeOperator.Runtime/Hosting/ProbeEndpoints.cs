using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MoeOperator.Runtime.Metrics;

namespace MoeOperator.Runtime.Hosting;

/// <summary>
/// The operator's HTTP endpoints, as kubebuilder operators have them: /metrics on the metrics address, /healthz
/// (the process is alive) and /readyz (leading and caches synced, as <paramref name="ready"/> says) on the probe address.
/// </summary>
public sealed class ProbeEndpoints(RuntimeMetrics metrics, Func<(bool Ready, string Reason)> ready) : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];

    /// <summary>Where /metrics answers, once started (null when off).</summary>
    public Uri? MetricsUrl { get; private set; }

    /// <summary>Where /healthz and /readyz answer, once started (null when off).</summary>
    public Uri? ProbeUrl { get; private set; }

    public async Task StartAsync(IPEndPoint? metricsAddress, IPEndPoint? probeAddress, CancellationToken cancellationToken)
    {
        if (metricsAddress is not null)
        {
            MetricsUrl = await ServeAsync("metrics", metricsAddress, async context =>
            {
                if (context.Request.Path != "/metrics")
                {
                    context.Response.StatusCode = 404;
                    return;
                }

                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await context.Response.WriteAsync(await metrics.ExportAsync(context.RequestAborted), context.RequestAborted);
            }, cancellationToken);
        }

        if (probeAddress is not null)
        {
            ProbeUrl = await ServeAsync("probes", probeAddress, async context =>
            {
                switch (context.Request.Path.Value)
                {
                    case "/healthz":
                        await context.Response.WriteAsync("ok", context.RequestAborted);
                        break;
                    case "/readyz":
                        var (isReady, reason) = ready();
                        context.Response.StatusCode = isReady ? 200 : 503;
                        await context.Response.WriteAsync(reason, context.RequestAborted);
                        break;
                    default:
                        context.Response.StatusCode = 404;
                        break;
                }
            }, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task<Uri> ServeAsync(string endpoint, IPEndPoint address, RequestDelegate handler, CancellationToken cancellationToken)
    {
        // The empty builder reads no appsettings files, so it sets up no file watcher: run as a pod (on the dev
        // cluster, in a tree of bind mounts) a recursive watcher can loop until the stack overflows.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(address));
        var app = builder.Build();
        app.Run(handler);
        _apps.Add(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (EndpointBindException.IsBindFailure(e))
        {
            throw new EndpointBindException(endpoint, address, e);
        }

        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var host = address.Address.Equals(IPAddress.Any) ? "127.0.0.1" : address.Address.ToString();
        return new Uri($"http://{host}:{bound.Port}");
    }
}
