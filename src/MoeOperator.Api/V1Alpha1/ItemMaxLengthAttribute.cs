namespace MoeOperator.Api.V1Alpha1;

/// <summary>The maxLength of each string in a list field (its maxItems comes from [MaxLength]).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemMaxLengthAttribute(int length) : Attribute
{
    /// <summary>The longest string allowed.</summary>
    public int Length { get; } = length;
}
