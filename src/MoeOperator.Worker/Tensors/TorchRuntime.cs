using System.Runtime.InteropServices;

namespace MoeOperator.Worker.Tensors;

/// <summary>
/// Prepares the process for TorchSharp. Where the build had to add the libstdc++ compatibility library
/// (native/torchsharp-compat), it is loaded with RTLD_GLOBAL first, so that libLibTorchSharp.so finds the one
/// GCC 13 function the system's libstdc++ lacks. Call before the first use of <c>torch</c>.
/// </summary>
public static partial class TorchRuntime
{
    private const string CompatLibrary = "libmoe_glibcxx_compat.so";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private static readonly Lock _gate = new();
    private static bool _prepared;

    public static void EnsureLoaded()
    {
        lock (_gate)
        {
            if (_prepared)
            {
                return;
            }

            var compat = Path.Combine(AppContext.BaseDirectory, CompatLibrary);
            if (OperatingSystem.IsLinux() && File.Exists(compat) && DlOpen(compat, RtldNow | RtldGlobal) == 0)
            {
                throw new InvalidOperationException($"could not load {compat}; rebuild the worker so the build recreates it");
            }

            // One intra-op thread per rank: several ranks share a pod's cores, and oversubscription only adds noise.
            TorchSharp.torch.set_num_threads(1);
            _prepared = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string file, int mode);
}
