using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MoeOperator.DevCluster.Catalog;
using MoeOperator.DevCluster.Cluster;
using MoeOperator.DevCluster.Http;
using MoeOperator.DevCluster.Semantics;
using MoeOperator.DevCluster.Storage;

namespace MoeOperator.DevCluster.Hosting;

/// <summary>
/// The embedded Kubernetes API server: HTTPS on 127.0.0.1 with a generated CA, bearer-token authentication, every
/// resource stored as JSON by one code path. Real kubectl, helm and KubernetesClient talk to it as to a cluster.
/// </summary>
public sealed class DevApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Certificates _certificates;

    private DevApiServer(WebApplication app, Certificates certificates, ResourceService service, FaultInjector faults, RequestCounter requests, string token, ComponentErrors errors)
    {
        ComponentErrors = errors;
        _app = app;
        _certificates = certificates;
        Service = service;
        Faults = faults;
        Requests = requests;
        Token = token;
    }

    /// <summary>https://127.0.0.1:port.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The admin bearer token.</summary>
    public string Token { get; }

    /// <summary>Issues the service-account tokens the server accepts (the kubelet projects them into pods).</summary>
    internal ServiceAccountTokens ServiceAccountTokens { get; private init; } = null!;

    /// <summary>The CA certificate clients must trust, in PEM.</summary>
    public string CaPem => _certificates.AuthorityPem;

    /// <summary>The kubeconfig for this server, as text.</summary>
    public string KubeconfigText => Kubeconfig.Render(Url, CaPem, Token);

    /// <summary>The verbs over the stored objects, for in-process controllers of the dev cluster.</summary>
    public ResourceService Service { get; }

    /// <summary>Fault injection for tests.</summary>
    public FaultInjector Faults { get; }

    /// <summary>The errors of the cluster's components, served as counters on /metrics.</summary>
    public ComponentErrors ComponentErrors { get; }

    /// <summary>Requests served, by verb and resource.</summary>
    public RequestCounter Requests { get; }

    /// <summary>Where pod logs come from; the dev cluster's kubelet sets it.</summary>
    public IPodLogSource? Logs { get; set; }

    /// <summary>Where pods/exec runs commands; the dev cluster's kubelet sets it.</summary>
    public IPodExec? Exec { get; set; }

    public static async Task<DevApiServer> StartAsync(DevApiServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var token = options.Token ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var certificates = Certificates.Create(options.Clock);
        var store = new ObjectStore(options.HistoryLimit);
        var service = new ResourceService(store, new ResourceCatalog(), options.Clock);
        var faults = new FaultInjector(store);
        var requests = new RequestCounter();
        var watches = new WatchStreamer(store, faults, options.Clock, options.BookmarkInterval);
        var errors = new ComponentErrors(options.ComponentLog);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificates.Server));
        });
        var app = builder.Build();
        DevApiServer? server = null;
        var serviceAccountTokens = new ServiceAccountTokens(service, options.Clock);
        var dispatcher = new ApiDispatcher(service, watches, faults, requests, token, serviceAccountTokens, () => new Uri(server!.Url).Authority, () => server?.Logs, () => server?.Exec, errors, options.Clock);
        app.UseWebSockets();
        app.Run(dispatcher.HandleAsync);
        server = new DevApiServer(app, certificates, service, faults, requests, token, errors) { ServiceAccountTokens = serviceAccountTokens };
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = "https://127.0.0.1:" + new Uri(address).Port;
        KubernetesService.Create(service, IPAddress.Loopback.ToString(), new Uri(address).Port);
        BootstrapRbac.Create(service);
        if (options.KubeconfigPath is { } path)
        {
            Kubeconfig.Write(path, server.KubeconfigText);
        }

        return server;
    }

    /// <summary>Whether a certificate chains to this server's CA; HTTP clients of tests and benchmarks validate with it.</summary>
    public bool IsTrustedServerCertificate(System.Security.Cryptography.X509Certificates.X509Certificate? certificate)
    {
        if (certificate is not System.Security.Cryptography.X509Certificates.X509Certificate2 presented)
        {
            return false;
        }

        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_certificates.Authority);
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        return chain.Build(presented);
    }

    /// <summary>A KubernetesClient configured for this server.</summary>
    public k8s.KubernetesClientConfiguration ClientConfiguration()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(KubeconfigText));
        return k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
    }

    public async ValueTask DisposeAsync()
    {
        Service.Store.CloseWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificates.Dispose();
    }
}
