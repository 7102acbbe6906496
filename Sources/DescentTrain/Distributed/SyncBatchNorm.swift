import Descent
import Foundation

/// Batch normalisation whose training statistics are those of the global batch over all ranks of a
/// ``DistributedContext`` (PyTorch's `torch.nn.SyncBatchNorm`), for an input `[N, C, *]`:
///
///     μ_c = Σ_ranks Σ x / M,   σ²_c = Σ_ranks Σ (x − μ_c)² / M,   y = (x − μ_c) / √(σ²_c + eps) · γ_c + β_c
///
/// with `M` the number of values per channel over all ranks; the running statistics take the unbiased
/// `σ²_c · M/(M − 1)`. Backward all-reduces `Σg` and `Σg·x̂` per channel for `∂x`; `∂γ`, `∂β` stay local (the
/// data-parallel gradient all-reduce sums them). Eval mode uses the running statistics, as ``BatchNorm``. The
/// state-dict keys are BatchNorm's: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
///
/// To synchronise the BatchNorm layers of an existing model instead, use
/// ``convertSyncBatchNorm(_:context:)``, which keeps the model's modules and keys.
public final class SyncBatchNorm: Module {
    /// The number of channels `C`.
    public let numFeatures: Int
    /// Added to the variance for numerical stability.
    public let eps: Float
    /// The weight of the new batch in the running statistics; `nil` for a cumulative average (1/batches seen).
    public let momentum: Float?
    /// Whether the layer has a learnable scale γ and shift β.
    public let affine: Bool
    /// Whether running statistics are kept (when not, batch statistics are used in eval mode too).
    public let trackRunningStats: Bool
    /// The scale γ, `[C]` (initialised to 1), or `nil` without `affine`.
    @Parameter public var weight: Tensor?
    /// The shift β, `[C]` (initialised to 0), or `nil` without `affine`.
    @Parameter public var bias: Tensor?
    /// The running mean, `[C]` (initialised to 0), or `nil` without `trackRunningStats`.
    @Buffer public var runningMean: Tensor?
    /// The running (unbiased, global) variance, `[C]` (initialised to 1), or `nil` without `trackRunningStats`.
    @Buffer public var runningVar: Tensor?
    /// The number of training batches seen (a scalar integer buffer), or `nil` without `trackRunningStats`.
    @Buffer(dtype: .int64) public var numBatchesTracked: Tensor? = nil
    /// The ranks whose statistics are combined.
    public let context: any DistributedContext

    /// A layer for `numFeatures` channels synchronised over `context` (PyTorch's defaults: `eps` 1e-5,
    /// `momentum` 0.1, affine, tracking).
    public init(
        _ numFeatures: Int, context: any DistributedContext, eps: Float = BatchNorm.defaultEps,
        momentum: Float? = BatchNorm.defaultMomentum, affine: Bool = BatchNorm.defaultAffine,
        trackRunningStats: Bool = true
    ) {
        precondition(numFeatures >= 1, "SyncBatchNorm: num_features must be positive, got \(numFeatures)")
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.trackRunningStats = trackRunningStats
        self.context = context
        self.weight = affine ? Tensor.ones([numFeatures]) : nil
        self.bias = affine ? Tensor.zeros([numFeatures]) : nil
        self.runningMean = trackRunningStats ? Tensor.zeros([numFeatures]) : nil
        self.runningVar = trackRunningStats ? Tensor.ones([numFeatures]) : nil
        super.init()
        self.numBatchesTracked = trackRunningStats ? Tensor(0) : nil
    }

    /// Normalises `x` per channel with the global batch statistics in training mode (updating the running
    /// statistics), with the running statistics in eval mode.
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        checkInput(x)
        var factor = momentum ?? 0
        if isTraining, let count = numBatchesTracked {
            let seen = count.withSharedStorage { p -> Float in
                p[0] += 1
                return p[0]
            }
            if momentum == nil { factor = 1 / seen }
        }
        return x.batchNorm(
            runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            training: isTraining || runningMean == nil, momentum: factor, eps: eps,
            reducer: isTraining ? context.batchNormReducer : nil)
    }

    /// The input shape itself, after checking that it is `[N, C, *]` with `C = numFeatures`.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 2, inputShape[1] == numFeatures else {
            throw shapeError("expects input [N, \(numFeatures), *] (num_features = \(numFeatures)), got \(inputShape)")
        }
        return inputShape
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(affine ? "True" : "False"), track_running_stats=\(trackRunningStats ? "True" : "False")"
    }
}

extension DistributedContext {
    /// The ``BatchNormReducer`` that sums over all ranks (``allReduceSum(_:)-([Double])``); a failed all-reduce
    /// ends the job through ``abort(_:)`` with a message naming this rank.
    public var batchNormReducer: BatchNormReducer {
        { [self] values in
            do {
                try allReduceSum(&values)
            } catch {
                abort("rank \(rank): SyncBatchNorm all-reduce failed: \(error)")
            }
        }
    }
}

/// Makes every ``BatchNorm`` (1d and 2d) in `model` synchronise its training statistics over `context`'s ranks,
/// in place (PyTorch's `SyncBatchNorm.convert_sync_batchnorm`): the modules, their parameters, buffers and
/// state-dict keys stay the same; each gets `statisticsReducer = context.batchNormReducer`, so it computes
/// what ``SyncBatchNorm`` computes. Returns the number of layers converted (set `statisticsReducer = nil` to undo).
@discardableResult
public func convertSyncBatchNorm(_ model: Module, context: any DistributedContext) -> Int {
    var converted = 0
    for (_, module) in model.namedModules() {
        guard let norm = module as? BatchNorm else { continue }
        norm.statisticsReducer = context.batchNormReducer
        converted += 1
    }
    return converted
}
