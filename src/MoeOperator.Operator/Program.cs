using System.CommandLine;
using MoeOperator.Cli;
using MoeOperator.Controllers;

// What the operator image runs (the chart passes `operator` and its flags). `moe` offers the same verbs and more.
var root = new RootCommand("moe-operator: the moe.dev operator (EPGroup, ThreeFSCluster)")
{
    OperatorCommand.Create(KindModules.All),
    VersionCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
