namespace MoeOperator.Api.Validation;

/// <summary>One problem with one field, formatted the way the Kubernetes API server formats it.</summary>
/// <param name="Path">The field, for example <c>spec.storage.diskPaths[1]</c>.</param>
/// <param name="Type">What kind of problem it is.</param>
/// <param name="BadValue">The offending value as the server prints it (quoted strings, bare numbers, "object").</param>
/// <param name="Detail">What is wrong and, where it helps, how to fix it.</param>
public sealed record FieldError(string Path, FieldErrorType Type, string? BadValue, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        FieldErrorType.Required => $"{Path}: Required value{Suffix}",
        FieldErrorType.NotSupported => $"{Path}: Unsupported value: {BadValue}: {Detail}",
        FieldErrorType.TooLong => $"{Path}: Too long: {Detail}",
        FieldErrorType.TooMany => $"{Path}: Too many: {BadValue}: {Detail}",
        FieldErrorType.Unknown => $"{Path}: Unknown field: {Detail}",
        _ => $"{Path}: Invalid value: {BadValue}: {Detail}",
    };

    private string Suffix => Detail.Length == 0 ? "" : ": " + Detail;
}
