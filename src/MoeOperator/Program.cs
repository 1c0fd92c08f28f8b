using System.CommandLine;
using MoeOperator.Cli;
using MoeOperator.Controllers;

var kinds = KindModules.All;
var root = new RootCommand("moe: run DeepSeek's open infrastructure (3FS, DeepEP, DualPipe) on Kubernetes")
{
    CrdsCommand.Create(),
    DevCommand.Create(kinds),
    OperatorCommand.Create(kinds),
    PlanCommand.Create(),
    RenderCommand.Create(kinds),
    ValidateCommand.Create(),
    VersionCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
