using System.CommandLine;
using MoeOperator.Worker.Ep;
using MoeOperator.Worker.Kernels.Cli;
using MoeOperator.Worker.Kernels.SelfTest;
using MoeOperator.Worker.Training;

var root = new RootCommand("moe-worker: the kernel worker the moe operator runs in GPU pods")
{
    EpCommand.Create(),
    KernelCommand.Create(),
    SelfTestCommand.Create(),
    TrainCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
