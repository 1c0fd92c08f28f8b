namespace MoeOperator.Api.V1Alpha1;

/// <summary>A validation rule over several fields of one type, written in CEL as Kubernetes evaluates x-kubernetes-validations.</summary>
/// <param name="Target">The type whose schema node carries the rule; <c>self</c> is a value of it.</param>
/// <param name="Rule">The CEL expression; true means valid.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="FieldPath">The field the error names, relative to the target (for example <c>.ranks</c>).</param>
public sealed record CrossFieldRule(Type Target, string Rule, string Message, string? FieldPath = null);
