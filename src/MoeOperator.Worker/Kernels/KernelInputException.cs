namespace MoeOperator.Worker.Kernels;

/// <summary>A kernel's input, its shape or a parameter is wrong; the message names it as the caller spelled it and says what it must be.</summary>
public sealed class KernelInputException(string message) : Exception(message);
