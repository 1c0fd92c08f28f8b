namespace MoeOperator.Api.V1Alpha1;

/// <summary>Desired and ready instances of one component.</summary>
public sealed record ReplicaCount
{
    /// <summary>Instances the spec asks for.</summary>
    public int? Desired { get; set; }

    /// <summary>Instances that are up.</summary>
    public int? Ready { get; set; }
}
