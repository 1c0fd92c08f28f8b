namespace MoeOperator.Api.V1Alpha1;

/// <summary>What changing a spec field of a live resource does: every spec field has exactly one answer.</summary>
public enum SpecChange
{
    /// <summary>Takes effect on the running workload without replacing anything.</summary>
    InPlace,

    /// <summary>Replaces the whole workload (every pod of the gang at once, never a mix of old and new).</summary>
    Replace,

    /// <summary>Rolls through the members one at a time, each waiting for the service to stay up.</summary>
    Roll,

    /// <summary>Adds members (or refuses to remove them) by the procedure the domain needs.</summary>
    Scale,

    /// <summary>
    /// Refused by the API server unless the new spec has <c>suspend: true</c> (a CEL transition rule on the parent);
    /// the change applies when the resource resumes.
    /// </summary>
    WhileSuspended,

    /// <summary>Refused by the API server (a CEL transition rule <c>self == oldSelf</c>).</summary>
    Immutable,
}

/// <summary>
/// The decision for a spec field and everything under it, unless a field below says otherwise: what a change does
/// and how, in words a user reads in <c>kubectl explain</c> and in the API server's refusal.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OnChangeAttribute(SpecChange change, string how) : Attribute
{
    /// <summary>What a change does.</summary>
    public SpecChange Change { get; } = change;

    /// <summary>How, or for an immutable field what to do instead.</summary>
    public string How { get; } = how;
}
