using System.Net;
using System.Net.Sockets;
using MoeOperator.Api.V1Alpha1;
using MoeOperator.Planning.ThreeFS;

namespace MoeOperator.Controllers.ThreeFSClusters;

/// <summary>
/// What the configs are rendered from: the spec, the mgmtd nodes' addresses (3FS resolves no names, so these are
/// IPv4 literals of the nodes mgmtd runs on with the host network) and the node ids of every daemon instance.
/// </summary>
internal sealed record ThreeFSConfigInputs
{
    public ThreeFSConfigInputs(ThreeFSClusterSpec spec, IReadOnlyList<string> mgmtdAddresses, IReadOnlyList<int> mgmtdNodeIds, IReadOnlyList<int> metaNodeIds, IReadOnlyList<int> storageNodeIds)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(mgmtdAddresses);
        foreach (var address in mgmtdAddresses)
        {
            if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || address.Count(c => c == '.') != 3)
            {
                throw new ArgumentException($"mgmtd address '{address}' is not an IPv4 literal: 3FS configs cannot use names, so mgmtd must run on nodes with an InternalIP (IPv4)", nameof(mgmtdAddresses));
            }
        }

        Spec = spec;
        MgmtdAddresses = mgmtdAddresses;
        MgmtdNodeIds = mgmtdNodeIds;
        MetaNodeIds = metaNodeIds;
        StorageNodeIds = storageNodeIds;
    }

    /// <summary>Inputs for the spec's instance counts with upstream's node ids (mgmtd 1.., meta 100.., storage 10001..).</summary>
    public static ThreeFSConfigInputs ForReplicas(ThreeFSClusterSpec spec, IReadOnlyList<string> mgmtdAddresses)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(
            spec,
            mgmtdAddresses,
            [.. Enumerable.Range(0, spec.Mgmtd.Replicas).Select(ThreeFSIds.MgmtdNodeId)],
            [.. Enumerable.Range(0, spec.Meta.Replicas).Select(ThreeFSIds.MetaNodeId)],
            [.. Enumerable.Range(0, spec.Storage.Replicas).Select(ThreeFSIds.StorageNodeId)]);
    }

    public ThreeFSClusterSpec Spec { get; }

    public IReadOnlyList<string> MgmtdAddresses { get; }

    public IReadOnlyList<int> MgmtdNodeIds { get; }

    public IReadOnlyList<int> MetaNodeIds { get; }

    public IReadOnlyList<int> StorageNodeIds { get; }

    /// <summary>Every mgmtd's RDMA endpoint, the form 3FS clients expect: RDMA://10.0.0.5:8000.</summary>
    public IReadOnlyList<string> MgmtdServerAddresses =>
        [.. MgmtdAddresses.Select(ip => $"RDMA://{ip}:{Spec.Network.Ports.MgmtdRdma.ToString(System.Globalization.CultureInfo.InvariantCulture)}")];
}
