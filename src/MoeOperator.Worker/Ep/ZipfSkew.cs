using static TorchSharp.torch;

namespace MoeOperator.Worker.Ep;

/// <summary>
/// The benchmark's routing skew: a bias added to the gate's choice scores, proportional to a Zipf distribution over
/// experts (expert e gets (1/(e+1))^s, scaled so the hottest expert's bias is 1). Sigmoid scores lie in (0, 1), so
/// the bias decides most routing and the load is as uneven as real traffic can be.
/// </summary>
public static class ZipfSkew
{
    public static Tensor? Bias(int experts, double exponent)
    {
        if (exponent <= 0)
        {
            return null;
        }

        var bias = Enumerable.Range(0, experts).Select(e => (float)Math.Pow(1.0 / (e + 1), exponent)).ToArray();
        return tensor(bias);
    }
}
