using System.CommandLine;
using MoeOperator.Worker.Ep;

var root = new RootCommand("moe-worker: the kernel worker the moe operator runs in GPU pods")
{
    EpCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
