namespace MoeOperator.Api.V1Alpha1;

/// <summary>How a toleration matches a taint's value.</summary>
public enum TolerationOperator
{
    /// <summary>Key and value must equal the taint's.</summary>
    Equal,

    /// <summary>The key must exist; the value is ignored.</summary>
    Exists,
}
