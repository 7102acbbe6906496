import Foundation
import Synchronization

#if canImport(CDNNL)
import CDNNL
#endif

/// How a convolution pass is computed.
enum ConvolutionImplementation: String, Sendable, CaseIterable {
    /// Descent's im2col / col2im and ``Backend/sgemm`` (every platform).
    case gemm
    /// oneDNN's convolution primitive on the plain NCHW / OIHW buffers.
    case onednn
    /// oneDNN's convolution primitive in the (blocked) layouts it prefers, the operands reordered into and out of
    /// them inside each call.
    case onednnBlocked = "onednn-blocked"
}

/// The three passes of a convolution.
enum ConvolutionPass: Int, Sendable {
    /// `y = conv(x, W) + b` (then ReLU).
    case forward = 0
    /// `∂x = convᵀ(∂y, W)`.
    case backwardData = 1
    /// `∂W = Σ ∂y ⋆ x` and `∂b = Σ ∂y`.
    case backwardWeights = 2
}

/// Which implementation the convolutions of a plan use: one for all passes, or the per-shape default.
enum ConvolutionChoice: Sendable, Equatable {
    /// ``ConvolutionChoice/implementation(for:plan:)``'s default by shape.
    case automatic
    /// The same implementation for every pass.
    case fixed(ConvolutionImplementation)

    /// The process's choice: the environment variable `DESCENT_CONVOLUTION` (`gemm`, `onednn`, `onednn-blocked` or
    /// `auto`), read once; `auto` (``automatic``) when unset or unknown.
    static let configured: ConvolutionChoice = {
        guard let value = ProcessInfo.processInfo.environment["DESCENT_CONVOLUTION"],
            let implementation = ConvolutionImplementation(rawValue: value)
        else { return .automatic }
        return .fixed(implementation)
    }()

    /// Whether this build has oneDNN's convolution primitives (Linux, unless built with `DESCENT_PORTABLE=1`).
    static var primitivesAvailable: Bool {
        #if canImport(CDNNL)
        return true
        #else
        return false
        #endif
    }

    /// Channels per group, in and out, from which the default runs a convolution in oneDNN's blocked layouts.
    static let blockedChannels = 128

    /// The implementation of `pass` for `plan`. The default is oneDNN's blocked layouts for deep layers (at least
    /// ``blockedChannels`` input and output channels per group: ResNet-18's stages 2–4, where its direct kernels beat
    /// im2col + GEMM on w9 with the reorders counted) and im2col + GEMM for every other shape (faster on w2, w3,
    /// w4_cnn and w7, whose layers have 1–64 channels; README, Performance). A plan in ``Precision/bf16`` always
    /// takes im2col + GEMM, whose products run in bfloat16 (the primitives here are float32). This is the choice
    /// for a single convolution; ``BasicBlock`` keeps its activations in the blocked layout instead
    /// (``runBlocked(_:src:weights:dst:)``), where no reorder is paid per convolution.
    func implementation(for pass: ConvolutionPass, plan: ConvPlan) -> ConvolutionImplementation {
        guard plan.precision == .float32 else { return .gemm }
        switch self {
        case .fixed(let implementation): return implementation
        case .automatic:
            let deep =
                plan.inPerGroup >= ConvolutionChoice.blockedChannels
                && plan.outPerGroup >= ConvolutionChoice.blockedChannels
            return deep && ConvolutionChoice.primitivesAvailable ? .onednnBlocked : .gemm
        }
    }
}

#if canImport(CDNNL)
/// oneDNN convolution primitives by geometry and pass, created on first use (creation costs about a millisecond,
/// a few with blocked layouts); a geometry oneDNN cannot serve is remembered as such and the caller falls back to
/// im2col + GEMM. The engine and the per-thread streams are ``MatmulCache``'s.
final class ConvolutionCache: @unchecked Sendable {
    static let shared = ConvolutionCache()

    /// A primitive's identity: the plan's geometry, the pass, its epilogue and layouts, and the thread count.
    struct Key: Hashable, Sendable {
        let batch, inChannels, height, width, outChannels, outHeight, outWidth, groups: Int
        let kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW: Int
        let pass: ConvolutionPass
        let bias, relu: Bool
        /// `descent_convolution_create`'s layout: 0 plain, 1 oneDNN's choice reordered inside the call, 2
        /// activations kept in nChw16c by the caller (``ConvPlan/runBlocked(_:src:weights:dst:)``).
        let layout: Int32
        /// Whether the pass reads its operands in bfloat16 (float32 outputs).
        let bf16: Bool
        let threads: Int
    }

    /// A created primitive, destroyed with the last user.
    typealias Entry = OwnedPrimitive<descent_convolution>

    /// The primitives by key; `nil` values record the geometries oneDNN has none for.
    private let entries = PrimitiveTable<Key, Entry>()

    /// The primitive for `key`, created on first use; `nil` when oneDNN has none.
    func entry(_ key: Key) -> Entry? {
        entries.entry(key, threads: key.threads) {
            var shape = descent_conv_shape(
                batch: key.batch, inChannels: key.inChannels, height: key.height, width: key.width,
                outChannels: key.outChannels, outHeight: key.outHeight, outWidth: key.outWidth, groups: key.groups,
                kernelH: key.kernelH, kernelW: key.kernelW, strideH: key.strideH, strideW: key.strideW,
                padH: key.padH, padW: key.padW, dilationH: key.dilationH, dilationW: key.dilationW)
            return descent_convolution_create(
                MatmulCache.shared.engine, &shape, Int32(key.pass.rawValue), key.bias ? 1 : 0, key.relu ? 1 : 0,
                key.layout, key.bf16 ? 1 : 0
            ).map { Entry($0, destroy: { descent_convolution_destroy($0) }) }
        }
    }
}
#endif

extension ConvPlan {
    #if canImport(CDNNL)
    /// The cached oneDNN primitive of `pass` for this plan (with a bias, or bias gradient, when `bias`; ReLU fused
    /// into `.forward` when `relu`), or `nil` when the plan's implementation of `pass` is im2col + GEMM or oneDNN has
    /// no primitive for the geometry.
    func primitive(_ pass: ConvolutionPass, bias: Bool, relu: Bool) -> ConvolutionCache.Entry? {
        let implementation = choice.implementation(for: pass, plan: self)
        guard implementation != .gemm, batch > 0 else { return nil }
        return primitive(pass, bias: bias, relu: relu, layout: implementation == .onednnBlocked ? 1 : 0)
    }

    /// The cached oneDNN primitive of `pass` for this plan in `layout` (`descent_convolution_create`'s), its inputs
    /// in bfloat16 when `bf16`; `nil` when oneDNN has none.
    func primitive(_ pass: ConvolutionPass, bias: Bool, relu: Bool, layout: Int32, bf16: Bool = false)
        -> ConvolutionCache.Entry?
    {
        ConvolutionCache.shared.entry(
            ConvolutionCache.Key(
                batch: batch, inChannels: inChannels, height: height, width: width, outChannels: outChannels,
                outHeight: outHeight, outWidth: outWidth, groups: groups, kernelH: kernelH, kernelW: kernelW,
                strideH: strideH, strideW: strideW, padH: padH, padW: padW, dilationH: dilationH,
                dilationW: dilationW, pass: pass, bias: bias, relu: relu && pass == .forward, layout: layout,
                bf16: bf16, threads: Backend.threads))
    }
    #endif

    /// Runs `pass` of the whole batch as one oneDNN primitive when the plan's implementation for it is oneDNN and
    /// oneDNN serves the geometry; returns `false` otherwise (nothing written; the caller uses im2col + GEMM).
    /// The pointers are those of `descent_convolution_execute`: `src` the image (written by `.backwardData`),
    /// `weights` the kernel (written by `.backwardWeights`), `bias` the bias (its gradient for `.backwardWeights`) or
    /// `nil`, `dst` the output (read by the backward passes); `relu` applies to `.forward` only. Operands that the
    /// primitive takes in another layout are reordered through buffers of ``TensorStorage``.
    func runPrimitive(
        _ pass: ConvolutionPass, src: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, dst: UnsafePointer<Float>, relu: Bool = false
    ) -> Bool {
        #if canImport(CDNNL)
        guard let entry = primitive(pass, bias: bias != nil, relu: relu) else { return false }
        return execute(entry, src: src, weights: weights, bias: bias, dst: dst)
        #else
        return false
        #endif
    }

    #if canImport(CDNNL)
    /// Runs `entry` on the pointers of ``runPrimitive(_:src:weights:bias:dst:relu:)``, reordering operands in
    /// another layout through tensor storage; `false` when oneDNN reports a failure.
    private func execute(
        _ entry: ConvolutionCache.Entry, src: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, dst: UnsafePointer<Float>
    ) -> Bool {
        guard let stream = MatmulCache.shared.stream() else { return false }
        descent_omp_set_num_threads(Int32(Backend.threads))
        // The operands' reorder buffers are tensor storage, so that the large ones come from the BufferPool.
        let scratch = (0..<4).map { i -> TensorStorage? in
            let bytes = descent_convolution_scratch_bytes(entry.pointer, Int32(i))
            return bytes > 0 ? TensorStorage(uninitializedCount: (bytes + 3) / 4) : nil
        }
        let scratchPointers = scratch.map { $0?.pointer }
        let status = withExtendedLifetime(scratch) {
            scratchPointers.withUnsafeBufferPointer { buffer in
                descent_convolution_execute(
                    entry.pointer, stream, UnsafeMutablePointer(mutating: src),
                    UnsafeMutablePointer(mutating: weights), bias.map { UnsafeMutablePointer(mutating: $0) },
                    UnsafeMutablePointer(mutating: dst), buffer.baseAddress)
            }
        }
        guard status == 0 else { return false }
        MultiplyAddCounter.current?.add(batch * outChannels * colCols * colRows)
        return true
    }
    #endif

    /// Whether every pass of this plan has a oneDNN primitive on activations kept in nChw16c (a JIT one; channels
    /// a multiple of 16, one group; inputs in bfloat16 when the plan's precision is bf16), with a bias when `bias`, ReLU fused into the forward pass when `relu`,
    /// the image in NCHW when `plainInput` (then the input-gradient pass only when `inputGradient`): what
    /// ``runBlocked(_:src:weights:bias:dst:relu:plainInput:)`` needs.
    func hasBlockedPrimitives(
        bias: Bool = false, relu: Bool = false, plainInput: Bool = false, inputGradient: Bool = true
    ) -> Bool {
        #if canImport(CDNNL)
        guard batch > 0, groups == 1, plainInput || inChannels % 16 == 0, outChannels % 16 == 0 else { return false }
        let passes: [ConvolutionPass] =
            inputGradient ? [.forward, .backwardData, .backwardWeights] : [.forward, .backwardWeights]
        return passes.allSatisfy {
            primitive(
                $0, bias: bias, relu: relu, layout: Self.blockedLayout(plainInput: plainInput),
                bf16: precision == .bf16) != nil
        }
        #else
        return false
        #endif
    }

    #if canImport(CDNNL)
    /// `descent_convolution_create`'s layout for blocked outputs, with the image blocked too unless `plainInput`.
    private static func blockedLayout(plainInput: Bool) -> Int32 {
        Int32(plainInput ? DESCENT_CONV_BLOCKED_OUTPUT : DESCENT_CONV_BLOCKED_ACTIVATIONS)
    }
    #endif

    /// Runs `pass` on activations in nChw16c (`src` the image or its gradient, in NCHW when `plainInput`; `dst` the
    /// output or its gradient; `bias` the bias or, for `.backwardWeights`, its gradient; ReLU fused into `.forward`
    /// when `relu`), as in ``runPrimitive(_:src:weights:bias:dst:relu:)``, the weights plain OIHW; requires
    /// ``hasBlockedPrimitives(bias:relu:plainInput:inputGradient:)`` (a precondition failure when oneDNN then
    /// fails).
    func runBlocked(
        _ pass: ConvolutionPass, src: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>? = nil, dst: UnsafePointer<Float>, relu: Bool = false, plainInput: Bool = false
    ) {
        #if canImport(CDNNL)
        let entry = primitive(
            pass, bias: bias != nil, relu: relu, layout: Self.blockedLayout(plainInput: plainInput),
            bf16: precision == .bf16)
        precondition(
            entry.map { execute($0, src: src, weights: weights, bias: bias, dst: dst) } ?? false,
            "runBlocked: oneDNN failed to run a blocked convolution it created")
        #else
        preconditionFailure("runBlocked: no oneDNN in this build")
        #endif
    }

    /// Whether `pass` of this plan runs as a oneDNN primitive (with a bias or bias gradient when `bias`): `false` when
    /// the plan's implementation of it is im2col + GEMM, or oneDNN has no primitive for the geometry.
    func hasPrimitive(_ pass: ConvolutionPass, bias: Bool = false, relu: Bool = false) -> Bool {
        #if canImport(CDNNL)
        return primitive(pass, bias: bias, relu: relu) != nil
        #else
        return false
        #endif
    }
}
