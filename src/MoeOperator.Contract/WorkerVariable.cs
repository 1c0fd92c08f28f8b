namespace MoeOperator.Contract;

/// <summary>One variable of an EPGroup pod's environment: its name, whether the worker refuses to start without it, and what it carries.</summary>
public sealed record WorkerVariable(string Name, bool Required, string Meaning);
