import Descent
import Foundation

extension SyncBatchNorm {
    /// A layer for `numFeatures` channels whose training statistics are summed over the ranks of `context`
    /// (PyTorch's `torch.nn.SyncBatchNorm(num_features, process_group=…)`; defaults as ``BatchNorm2d``).
    public convenience init(
        _ numFeatures: Int, context: any DistributedContext, eps: Float = BatchNorm.defaultEps,
        momentum: Float? = BatchNorm.defaultMomentum, affine: Bool = BatchNorm.defaultAffine,
        trackRunningStats: Bool = true
    ) {
        self.init(
            numFeatures, reducer: context.batchNormReducer, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
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
