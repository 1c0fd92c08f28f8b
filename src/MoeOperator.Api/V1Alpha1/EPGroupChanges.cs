namespace MoeOperator.Api.V1Alpha1;

/// <summary>What a change that replaces an EPGroup's pods does, in the words the CRD and the docs use.</summary>
internal static class EPGroupChanges
{
    public const string Replace =
        "the whole group is replaced, never a mix of old and new ranks: Updating=True, every pod is deleted and, once all are gone, " +
        "the group is placed again in its turn (its old placement released; a size that no longer fits waits with the reason) and started. " +
        "The restart budget is not used; the expert map is kept while the expert slots are unchanged";
}
