using System.CommandLine;
using MoeOperator.Cli;

var root = new RootCommand("moe: run DeepSeek's open infrastructure (3FS, DeepEP, DualPipe) on Kubernetes")
{
    CrdsCommand.Create(),
    DevCommand.Create(),
    ValidateCommand.Create(),
    VersionCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
