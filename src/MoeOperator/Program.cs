using System.CommandLine;
using MoeOperator.Cli;
using MoeOperator.Controllers;

// The dev cluster's stand-ins for the 3FS programs take upstream's command lines, which no parser here should see.
if (args is ["dev", "threefs", var program, .. var rest])
{
    using var signals = Signals.StopOnTermination(CancellationToken.None);
    return await MoeOperator.DevCluster.ThreeFS.SimProcess.RunAsync(program, rest, Console.In, Console.Out, Console.Error, signals.Token);
}

var kinds = KindModules.All;
var root = new RootCommand("moe: run DeepSeek's open infrastructure (3FS, DeepEP, DualPipe) on Kubernetes")
{
    CrdsCommand.Create(),
    DataCommand.Create(),
    DevCommand.Create(kinds),
    OperatorCommand.Create(kinds),
    PlanCommand.Create(),
    RenderCommand.Create(kinds),
    MoeOperator.Cli.Top.TopCommand.Create(),
    ValidateCommand.Create(),
    VersionCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
