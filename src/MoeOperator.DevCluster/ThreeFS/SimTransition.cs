namespace MoeOperator.DevCluster.ThreeFS;

/// <summary>One change of a target's public state, kept so tests can check what the cluster went through.</summary>
public sealed record SimTransition(DateTimeOffset Time, long TargetId, long? ChainId, long NodeId, string From, string To);
