#if canImport(CDNNL)
import CDNNL
#endif

/// oneDNN's primitives on activations kept in the blocked layout nChw16c (`[n][c/16][h][w][16]`) between the layers
/// of a residual block: the reorders from and to Descent's NCHW, and training-mode batch normalisation. Each is
/// created on first use for a shape and cached like the convolutions.
enum BlockedLayout {
    /// An activation's shape `[n, c, h, w]`.
    struct Shape: Hashable, Sendable {
        let n, c, h, w: Int
        /// The number of values.
        var count: Int { n * c * h * w }
    }

    #if canImport(CDNNL)
    /// A cached reorder.
    typealias Reorder = OwnedPrimitive<descent_blocked_reorder>

    /// A cached batch-norm pass.
    typealias BatchNorm = OwnedPrimitive<descent_blocked_bnorm>

    /// A reorder's identity.
    struct ReorderKey: Hashable, Sendable {
        let shape: Shape
        let toBlocked: Bool
    }

    /// A batch-norm pass's identity (`pass`: `DESCENT_BNORM_FORWARD`, `…_BACKWARD` or `…_FORWARD_GIVEN`).
    struct BatchNormKey: Hashable, Sendable {
        let shape: Shape
        let eps: Float
        let pass: Int32
        let relu: Bool
        let threads: Int
    }

    private static let reorders = PrimitiveTable<ReorderKey, Reorder>()
    private static let batchNorms = PrimitiveTable<BatchNormKey, BatchNorm>()

    private static func reorder(_ shape: Shape, toBlocked: Bool) -> Reorder? {
        reorders.entry(ReorderKey(shape: shape, toBlocked: toBlocked), threads: Backend.threads) {
            descent_blocked_reorder_create(
                MatmulCache.shared.engine, shape.n, shape.c, shape.h, shape.w, toBlocked ? 1 : 0
            ).map { Reorder($0, destroy: { descent_blocked_reorder_destroy($0) }) }
        }
    }

    private static func batchNorm(_ shape: Shape, eps: Float, pass: Int32, relu: Bool) -> BatchNorm? {
        let key = BatchNormKey(shape: shape, eps: eps, pass: pass, relu: relu, threads: Backend.threads)
        return batchNorms.entry(key, threads: key.threads) {
            descent_blocked_bnorm_create(
                MatmulCache.shared.engine, shape.n, shape.c, shape.h, shape.w, eps, pass, relu ? 1 : 0
            ).map { BatchNorm($0, destroy: { descent_blocked_bnorm_destroy($0) }) }
        }
    }

    private static let passes = [DESCENT_BNORM_FORWARD, DESCENT_BNORM_BACKWARD, DESCENT_BNORM_FORWARD_GIVEN].map {
        Int32($0)
    }
    #endif

    /// Whether the reorders of `shape` both ways and the batch-norm passes over it (`relu` fused or not, as asked)
    /// exist: channels a multiple of 16 and oneDNN's JIT implementations on this CPU.
    static func isAvailable(_ shape: Shape, eps: Float, relu: [Bool]) -> Bool {
        #if canImport(CDNNL)
        guard shape.count > 0, shape.c % 16 == 0, reorder(shape, toBlocked: true) != nil,
            reorder(shape, toBlocked: false) != nil
        else { return false }
        return relu.allSatisfy { relu in
            passes.allSatisfy { batchNorm(shape, eps: eps, pass: $0, relu: relu) != nil }
        }
        #else
        return false
        #endif
    }

    /// Copies the activation `from` of `shape` into `to` in nChw16c (`toBlocked`) or back into NCHW.
    static func reorder(
        _ from: UnsafePointer<Float>, _ to: UnsafeMutablePointer<Float>, shape: Shape, toBlocked: Bool
    ) {
        #if canImport(CDNNL)
        let status = reorder(shape, toBlocked: toBlocked).map { r -> Int32 in
            descent_omp_set_num_threads(Int32(Backend.threads))
            return descent_blocked_reorder_execute(r.pointer, MatmulCache.shared.stream(), from, to)
        }
        precondition(status == 0, "BlockedLayout.reorder: oneDNN failed on \(shape)")
        #else
        preconditionFailure("BlockedLayout.reorder: no oneDNN in this build")
        #endif
    }

    /// The bytes of the mask that batch norm with a fused ReLU keeps for its backward pass.
    static func workspaceBytes(_ shape: Shape, eps: Float) -> Int {
        #if canImport(CDNNL)
        return batchNorm(shape, eps: eps, pass: Int32(DESCENT_BNORM_FORWARD), relu: true).map {
            descent_blocked_bnorm_workspace_bytes($0.pointer)
        } ?? 0
        #else
        return 0
        #endif
    }

    /// Training-mode batch norm in nChw16c: `dst = γ·(src − μ)/√(σ² + eps) + β` (then `max(·, 0)` when `relu`, its
    /// mask written to `workspace`), with the batch's per-channel mean `μ` and biased variance `σ²` written to `mean`
    /// and `variance`; with `givenStatistics` they are read instead (the same output again, no mask written).
    static func batchNormForward(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, shape: Shape, eps: Float, relu: Bool,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
        variance: UnsafeMutablePointer<Float>, workspace: UnsafeMutableRawPointer?, givenStatistics: Bool = false
    ) {
        #if canImport(CDNNL)
        let pass = Int32(givenStatistics ? DESCENT_BNORM_FORWARD_GIVEN : DESCENT_BNORM_FORWARD)
        let status = batchNorm(shape, eps: eps, pass: pass, relu: relu).map { b -> Int32 in
            descent_omp_set_num_threads(Int32(Backend.threads))
            return descent_blocked_bnorm_execute(
                b.pointer, MatmulCache.shared.stream(), src, dst, gamma, beta, mean, variance, workspace, nil, nil,
                nil, nil)
        }
        precondition(status == 0, "BlockedLayout.batchNormForward: oneDNN failed on \(shape)")
        #else
        preconditionFailure("BlockedLayout.batchNormForward: no oneDNN in this build")
        #endif
    }

    /// The backward pass of ``batchNormForward(_:_:shape:eps:relu:gamma:beta:mean:variance:workspace:)`` from its
    /// `src`, statistics and mask: `diffSrc = γ/σ̂·(g − mean(g) − x̂·mean(g·x̂))`, `diffGamma = Σ g·x̂`,
    /// `diffBeta = Σ g`, where `x̂ = (src − μ)/σ̂`, `σ̂ = √(σ² + eps)` and `g` is `diffDst` (masked by the ReLU).
    static func batchNormBackward(
        _ src: UnsafePointer<Float>, diffDst: UnsafePointer<Float>, diffSrc: UnsafeMutablePointer<Float>,
        shape: Shape, eps: Float, relu: Bool, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        mean: UnsafePointer<Float>,
        variance: UnsafePointer<Float>, workspace: UnsafeMutableRawPointer?,
        diffGamma: UnsafeMutablePointer<Float>, diffBeta: UnsafeMutablePointer<Float>
    ) {
        #if canImport(CDNNL)
        let status = batchNorm(shape, eps: eps, pass: Int32(DESCENT_BNORM_BACKWARD), relu: relu).map { b -> Int32 in
            descent_omp_set_num_threads(Int32(Backend.threads))
            return descent_blocked_bnorm_execute(
                b.pointer, MatmulCache.shared.stream(), src, nil, gamma, beta, UnsafeMutablePointer(mutating: mean),
                UnsafeMutablePointer(mutating: variance), workspace, diffDst, diffSrc, diffGamma, diffBeta)
        }
        precondition(status == 0, "BlockedLayout.batchNormBackward: oneDNN failed on \(shape)")
        #else
        preconditionFailure("BlockedLayout.batchNormBackward: no oneDNN in this build")
        #endif
    }
}
