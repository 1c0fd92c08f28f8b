using static TorchSharp.torch;

namespace MoeOperator.Worker.Training.Parallel;

/// <summary>
/// The differentiable all-to-all of DeepEP's dispatch and combine: rows go to the members that hold their experts,
/// and in backward their gradients travel the same way back.
/// </summary>
internal sealed class ExpertAllToAll : autograd.SingleTensorFunction<ExpertAllToAll>
{
    public override string Name => nameof(ExpertAllToAll);

    /// <summary>Sends rows split by <paramref name="sendCounts"/>; <paramref name="receiveCounts"/> is what comes back, member by member.</summary>
    public static Tensor Apply(Tensor rows, ExpertParallelGroup group, long[] sendCounts, long[] receiveCounts) =>
        apply(rows, group, sendCounts, receiveCounts);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(vars);
        var (rows, group, send, receive) = ((Tensor)vars[0], (ExpertParallelGroup)vars[1], (long[])vars[2], (long[])vars[3]);
        ctx.save_data("group", group);
        ctx.save_data("send", send);
        ctx.save_data("receive", receive);
        var received = group.Exchange(rows, send);
        if (received.shape[0] != receive.Sum())
        {
            throw new InvalidOperationException($"expert all-to-all received {received.shape[0]} rows, expected {receive.Sum()}: members disagree on the routing");
        }

        return received;
    }

    // Runs inside autograd's native engine: an exception must not cross it, so a failed exchange is recorded on the
    // group (the executor throws it once autograd returns) and zeros stand in for the gradient meanwhile.
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(grad_output);
        var group = (ExpertParallelGroup)ctx.get_data("group");
        var send = (long[])ctx.get_data("send");
        var receive = (long[])ctx.get_data("receive");
        try
        {
            group.ThrowIfFailed();
            return [group.Exchange(grad_output, receive), null!, null!, null!];
        }
        catch (Exception e)
        {
            group.Fail(e);
            return [zeros([send.Sum(), grad_output.shape[1]], grad_output.dtype), null!, null!, null!];
        }
    }
}
