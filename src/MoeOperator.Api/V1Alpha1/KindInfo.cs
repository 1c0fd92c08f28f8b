namespace MoeOperator.Api.V1Alpha1;

/// <summary>Everything the CRD of one kind needs beyond its types.</summary>
/// <param name="Type">The custom resource class.</param>
/// <param name="SpecType">The spec type.</param>
/// <param name="StatusType">The status type.</param>
/// <param name="Kind">The kind name.</param>
/// <param name="Plural">The plural resource name.</param>
/// <param name="ShortName">The short name for kubectl.</param>
/// <param name="Columns">Printer columns, before the Age column.</param>
public sealed record KindInfo(
    Type Type, Type SpecType, Type StatusType, string Kind, string Plural, string ShortName, IReadOnlyList<PrinterColumn> Columns)
{
    /// <summary>The singular resource name.</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>The CRD's name: plural.group.</summary>
    public string CrdName => $"{Plural}.{ApiGroup.Group}";
}
