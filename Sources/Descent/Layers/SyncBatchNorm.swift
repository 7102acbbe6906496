/// Batch normalisation whose training statistics are those of the global batch over all processes of a
/// data-parallel job (PyTorch's `torch.nn.SyncBatchNorm`), for an input `[N, C, *]`:
///
///     μ_c = Σ_ranks Σ x / M,   σ²_c = Σ_ranks Σ (x − μ_c)² / M,   y = (x − μ_c) / √(σ²_c + eps) · γ_c + β_c
///
/// with `M` the number of values per channel over all processes; the running statistics take the unbiased
/// `σ²_c · M/(M − 1)`. It is a ``BatchNorm`` (any input rank from 2 to 5) whose ``BatchNorm/statisticsReducer``
/// is set: backward sums `Σg` and `Σg·x̂` per channel over the processes for `∂x`, while `∂γ`, `∂β` stay local
/// (the data-parallel gradient all-reduce sums them). Eval mode uses the running statistics. State-dict keys:
/// BatchNorm's. `DescentTrain` adds `SyncBatchNorm(_:context:)` (the reducer of a `DistributedContext`) and
/// `convertSyncBatchNorm`, which synchronises the BatchNorm layers of an existing model instead.
public final class SyncBatchNorm: BatchNorm {
    /// A layer for `numFeatures` channels whose training statistics are summed through `reducer` (PyTorch's
    /// defaults: `eps` 1e-5, `momentum` 0.1, affine, tracking).
    public init(
        _ numFeatures: Int, reducer: @escaping BatchNormReducer, eps: Float = defaultEps,
        momentum: Float? = defaultMomentum, affine: Bool = defaultAffine, trackRunningStats: Bool = true
    ) {
        super.init(
            numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats, acceptedRanks: [2, 3, 4, 5])
        statisticsReducer = reducer
    }
}
