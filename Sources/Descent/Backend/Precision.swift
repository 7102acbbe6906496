import Foundation
import Synchronization

#if canImport(CDNNL)
import CDNNL
#endif

/// The number format of the matrix products of Linear layers and convolutions (``Backend/precision``).
///
/// Master weights, activations, gradients and optimizer state are float32 in both; only the inputs of those matrix
/// products change.
public enum Precision: String, Sendable, CaseIterable {
    /// Every matrix product in float32 (the default).
    case float32
    /// bfloat16 mixed precision: the two inputs of each matrix product of a Linear layer (forward, input gradient,
    /// weight gradient) and of a convolution (the same three GEMMs of im2col, or oneDNN's bf16 convolutions in the
    /// blocked paths of ``BasicBlock``s and convolution stacks) are rounded to bfloat16 —
    /// round-to-nearest-even to an 8-bit significand (7 stored bits), float32's exponent range — and the products
    /// are accumulated in float32 into float32 outputs. Master weights and the gradients the optimizer sees stay
    /// float32. No loss scaling is needed: bf16 has float32's range, so gradients do not underflow (PyTorch's CPU
    /// autocast uses none either). Needs AVX-512 BF16 or AMX (``Backend/supportsBF16``).
    case bf16
}

extension Backend {
    /// The precision of the matrix products of Linear layers and convolutions (default ``Precision/float32``).
    ///
    /// A process-wide setting like ``threads``, read on every such product; set it before training starts.
    /// Setting ``Precision/bf16`` on a CPU without bfloat16 instructions (``supportsBF16`` false) keeps
    /// ``Precision/float32`` and prints one warning line to standard error.
    public static var precision: Precision {
        get { PrecisionSetting.shared.value }
        set {
            if newValue == .bf16 && !supportsBF16 {
                PrecisionSetting.shared.value = .float32
                PrecisionSetting.shared.warnUnsupported()
                return
            }
            PrecisionSetting.shared.value = newValue
        }
    }

    /// Whether bf16 matrix products run natively here: the CPU has AVX-512 BF16 (or AMX, which implies it) as
    /// oneDNN's dispatcher sees it (`dnnl_get_effective_cpu_isa()`, so `ONEDNN_MAX_CPU_ISA` limits it too), and
    /// Descent is built with oneDNN 2. False elsewhere (macOS, the portable build).
    public static let supportsBF16: Bool = {
        #if canImport(CDNNL)
        return descent_cpu_has_bf16() != 0 && MatmulCache.shared.hasBF16Primitive
        #else
        return false
        #endif
    }()
}

/// Holder of the process-wide ``Backend/precision`` (an atomic, read on every GEMM of a Linear layer or convolution).
final class PrecisionSetting: Sendable {
    static let shared = PrecisionSetting()
    private let raw = Atomic<Int>(0)
    private let warned = Atomic<Bool>(false)

    var value: Precision {
        get { raw.load(ordering: .relaxed) == 1 ? .bf16 : .float32 }
        set { raw.store(newValue == .bf16 ? 1 : 0, ordering: .relaxed) }
    }

    /// The one-line warning for `bf16` on a CPU without it, once per process.
    func warnUnsupported() {
        if warned.exchange(true, ordering: .relaxed) { return }
        let line =
            "warning: precision bf16 needs AVX-512 BF16 or AMX (as oneDNN 2 detects them) and this CPU has neither; "
            + "running in float32\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
