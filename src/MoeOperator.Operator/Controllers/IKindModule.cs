using System.Text.Json.Nodes;
using MoeOperator.Runtime.Hosting;

namespace MoeOperator.Controllers;

/// <summary>
/// One custom resource kind's part of the operator: the pure builders of the objects it creates (what
/// <c>moe render</c> prints) and the controller that converges the cluster to them. A kind plugs into the operator
/// and into <c>moe render</c> by being listed in <see cref="KindModules.All"/>.
/// </summary>
internal interface IKindModule
{
    /// <summary>The kind, as in a resource's <c>kind</c> field.</summary>
    string Kind { get; }

    /// <summary>Every object the operator would create for <paramref name="resource"/> (validated and defaulted), in creation order.</summary>
    IReadOnlyList<JsonObject> Render(JsonObject resource, OperatorSettings settings);

    /// <summary>The kind's controller, or null while the kind only renders (its controller is not built yet).</summary>
    ControllerRegistration? Controller(OperatorSettings settings);
}
