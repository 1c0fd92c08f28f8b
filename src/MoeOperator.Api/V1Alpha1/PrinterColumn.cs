namespace MoeOperator.Api.V1Alpha1;

/// <summary>A column kubectl get shows for a kind.</summary>
/// <param name="Name">Column header.</param>
/// <param name="Type">OpenAPI type of the value: string, integer, number, boolean or date.</param>
/// <param name="JsonPath">Where the value is, for example <c>.status.phase</c>.</param>
/// <param name="Description">What the column shows.</param>
/// <param name="Priority">0 shows it always, more only with -o wide.</param>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description, int Priority = 0);
