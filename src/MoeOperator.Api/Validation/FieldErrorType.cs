namespace MoeOperator.Api.Validation;

/// <summary>The kinds of field error the Kubernetes API server reports, plus unknown fields.</summary>
public enum FieldErrorType
{
    /// <summary>A required field is missing.</summary>
    Required,

    /// <summary>The value breaks a rule (range, pattern, CEL).</summary>
    Invalid,

    /// <summary>The value is not one of the allowed values.</summary>
    NotSupported,

    /// <summary>The string is too long.</summary>
    TooLong,

    /// <summary>The list has too many items.</summary>
    TooMany,

    /// <summary>The value has the wrong JSON type.</summary>
    TypeInvalid,

    /// <summary>The field is not declared in the schema.</summary>
    Unknown,
}
