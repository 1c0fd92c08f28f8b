namespace MoeOperator.Api.Validation;

/// <summary>The outcome of validating one object.</summary>
/// <param name="Kind">The object's kind.</param>
/// <param name="Name">The object's name.</param>
/// <param name="Errors">Every problem found; empty when the object is valid.</param>
public sealed record ValidationResult(string Kind, string Name, IReadOnlyList<FieldError> Errors)
{
    /// <summary>
    /// Set when the object has fields its schema does not declare: under strict field validation (kubectl's
    /// default) the server refuses it with this decoding error (400) before it validates anything else.
    /// </summary>
    public string? StrictDecodingError { get; init; }

    /// <summary>True when nothing is wrong.</summary>
    public bool IsValid => Errors.Count == 0 && StrictDecodingError is null;

    /// <summary>The message the API server would answer a create with, for example <c>EPGroup.moe.dev "a" is invalid: spec.ranks: Required value</c>.</summary>
    public string Message => StrictDecodingError ?? Errors.Count switch
    {
        0 => $"{Kind} \"{Name}\" is valid",
        1 => $"{Kind}.{V1Alpha1.ApiGroup.Group} \"{Name}\" is invalid: {Errors[0]}",
        _ => $"{Kind}.{V1Alpha1.ApiGroup.Group} \"{Name}\" is invalid: [{string.Join(", ", Errors)}]",
    };
}
