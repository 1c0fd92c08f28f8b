namespace MoeOperator.Api.V1Alpha1;

/// <summary>What deleting the custom resource does to the data it manages.</summary>
public enum DeletionPolicy
{
    /// <summary>Keep data directories, volumes and secrets.</summary>
    Retain,

    /// <summary>Delete data once every component is gone.</summary>
    Delete,
}
