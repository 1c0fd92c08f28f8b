using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>A namespaced custom resource with a spec and a status, as every kind of this project is.</summary>
/// <typeparam name="TSpec">The desired state written by users.</typeparam>
/// <typeparam name="TStatus">The observed state written by the operator.</typeparam>
public abstract class CustomResource<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>
    where TSpec : new()
    where TStatus : class
{
    /// <summary>The API version of this object.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>The kind of this object.</summary>
    [JsonPropertyName("kind")]
    public abstract string Kind { get; set; }

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired state.</summary>
    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    /// <summary>The observed state, written only through the status subresource.</summary>
    [JsonPropertyName("status")]
    public TStatus? Status { get; set; }
}
