import Foundation

/// Sums per-channel statistics element-wise over the processes of a data-parallel job, in place (an all-reduce).
/// Given to ``Tensor/batchNorm(runningMean:runningVar:weight:bias:training:momentum:eps:reducer:)`` (or set as
/// ``BatchNorm/statisticsReducer``), it makes training-mode statistics those of the global batch, as PyTorch's
/// `SyncBatchNorm`: forward sums `Σx` with the count `M`, then `Σ(x − μ)²`; backward sums `Σg` and `Σg·x̂`.
/// Every process must call it the same number of times with the same lengths; the identity is one process.
public typealias BatchNormReducer = (inout [Double]) -> Void

extension Tensor {
    /// Batch normalisation (PyTorch's `F.batch_norm`) of an input `[N, C, *]` per channel `c`:
    ///
    ///     y = (x − μ_c) / √(σ²_c + eps) · γ_c + β_c
    ///
    /// In training, `μ_c` and `σ²_c` are the batch mean and biased variance over `N` and the trailing
    /// dimensions (`M` values), and the running statistics, when given, are updated in place:
    /// `running = (1 − momentum)·running + momentum·batch`, with the unbiased variance `σ²·M/(M − 1)` for
    /// `runningVar`. Otherwise the running statistics are used. `weight` (γ) and `bias` (β) are `[C]` or absent.
    ///
    /// Backward in training goes through the batch statistics (with `x̂ = (x − μ)/σ`):
    /// `∂x = γ/σ · (g − mean(g) − x̂ · mean(g·x̂))`, `∂γ = Σ g·x̂`, `∂β = Σ g`; in eval mode `∂x = γ/σ · g`.
    public func batchNorm(
        runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
        training: Bool, momentum: Float = 0.1, eps: Float = 1e-5
    ) -> Tensor {
        batchNorm(
            runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
            momentum: momentum, eps: eps, relu: false)
    }

    /// Synchronised batch normalisation (PyTorch's `SyncBatchNorm` forward and backward): as
    /// ``batchNorm(runningMean:runningVar:weight:bias:training:momentum:eps:)``, but in training the sums behind
    /// the statistics go through `reducer` (an all-reduce over the processes), so with the global count
    /// `M = Σ_ranks M_r`:
    ///
    ///     μ_c = Σ_ranks Σ x / M,   σ²_c = Σ_ranks Σ (x − μ_c)² / M,   running_var ← … + momentum·σ²_c·M/(M − 1)
    ///
    /// and backward uses the global `mean(g) = Σ_ranks Σ g / M` and `mean(g·x̂) = Σ_ranks Σ g·x̂ / M` for `∂x`,
    /// while `∂γ = Σ g·x̂` and `∂β = Σ g` stay this process's own (the data-parallel gradient all-reduce sums
    /// them). With `reducer` `nil`, or in eval mode, it is the plain batch norm.
    public func batchNorm(
        runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
        training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, reducer: BatchNormReducer?
    ) -> Tensor {
        batchNorm(
            runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
            momentum: momentum, eps: eps, relu: false, reducer: reducer)
    }

    /// ``batchNorm(runningMean:runningVar:weight:bias:training:momentum:eps:)`` followed by `max(·, 0)` when `relu`,
    /// in one pass (the backward pass masks the gradient with `y > 0` inside the batch-norm kernels).
    func batchNorm(
        runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?, training: Bool,
        momentum: Float, eps: Float, relu: Bool, reducer: BatchNormReducer? = nil
    ) -> Tensor {
        precondition(rank >= 2, "batchNorm: expects input [N, C, *], got \(shape)")
        let n = shape[0], c = shape[1], spatial = shape.dropFirst(2).reduce(1, *)
        let m = n * spatial
        for (name, t) in [("runningMean", runningMean), ("runningVar", runningVar), ("weight", weight), ("bias", bias)]
        {
            if let t {
                precondition(t.shape == [c], "batchNorm: \(name) must be [\(c)] for input \(shape), got \(t.shape)")
            }
        }
        precondition(
            training || (runningMean != nil && runningVar != nil),
            "batchNorm: eval mode needs running statistics (pass training: true to use batch statistics)")
        if training, let reducer {
            return syncedBatchNorm(
                runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, momentum: momentum,
                eps: eps, relu: relu, reducer: reducer)
        }
        precondition(
            !training || m > 1, "batchNorm: expected more than 1 value per channel when training, got input \(shape)")
        let out = Tensor(uninitializedShape: shape)
        let meanT = Tensor(uninitializedShape: [c]), invstdT = Tensor(uninitializedShape: [c])
        let src = storage.pointer, dst = out.storage.pointer
        let mean = meanT.storage.pointer, invstd = invstdT.storage.pointer
        let gamma = weight?.storage.pointer, beta = bias?.storage.pointer
        let rm = runningMean?.storage.pointer, rv = runningVar?.storage.pointer
        // Per channel in one pass over its planes while they are in cache: statistics, then normalisation.
        Parallel.forEachChunk(c, cost: 3 * m) { range in
            for ch in range {
                if training {
                    let muF = Float(Tensor.channelSum(src, n: n, c: c, spatial: spatial, channel: ch) / Double(m))
                    let sq = Tensor.channelSquaredDeviation(src, n: n, c: c, spatial: spatial, channel: ch, mean: muF)
                    mean[ch] = muF
                    Tensor.setStatistics(
                        ch, variance: sq / Double(m), count: Double(m), eps: eps, momentum: momentum, mean: mean,
                        invstd: invstd, runningMean: rm, runningVar: rv)
                } else {
                    mean[ch] = rm![ch]
                    invstd[ch] = 1 / (rv![ch] + eps).squareRoot()
                }
                Tensor.normalizeChannel(
                    src, dst, n: n, c: c, spatial: spatial, channel: ch, mean: mean[ch],
                    scale: invstd[ch] * (gamma?[ch] ?? 1), shift: beta?[ch] ?? 0, relu: relu)
            }
        }
        return recordBatchNorm(relu ? "batch_norm_relu" : "batch_norm", out, weight: weight, bias: bias, relu: relu) {
            g, x, y, gamma, gx, gw, gb in
            let mean = meanT.storage.pointer, invstd = invstdT.storage.pointer
            Parallel.forEachChunk(c, cost: 3 * m) { range in
                var pair = SIMD2<Float>()
                for ch in range {
                    let mu = mean[ch], istd = invstd[ch]
                    let (sumG, sumGX) = Tensor.channelBackwardSums(
                        g, x, y, n: n, c: c, spatial: spatial, channel: ch, mean: mu, pair: &pair)
                    let terms = Tensor.BatchNormBackwardTerms(
                        sumG: sumG, sumGX: sumGX, count: Double(m), invstd: istd, gamma: gamma?[ch] ?? 1)
                    gw?[ch] = terms.gGamma
                    gb?[ch] = terms.gBeta
                    guard let gx else { continue }
                    let scale = terms.scale
                    if training {
                        Tensor.applyBackwardChannel(
                            g, x, y, gx, n: n, c: c, spatial: spatial, channel: ch, mean: mu, meanG: terms.meanG,
                            k: terms.k, scale: scale)
                    } else {
                        for b in 0..<n {
                            let off = (b * c + ch) * spatial
                            Kernels.scaledMasked(g + off, y.map { $0 + off }, gx + off, spatial, scale)
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// `Σ x` over the `n` planes of channel `channel` (`spatial` values each) of a `[N, C, *]` buffer, in
    /// `Double` across planes; planes of at least 8 values go through the vector kernels, short ones
    /// (BatchNorm1d on `[N, C]`) through a scalar loop.
    @inline(__always)
    static func channelSum(
        _ src: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int, channel ch: Int
    ) -> Double {
        var sum = 0.0
        for b in 0..<n {
            let p = src + (b * c + ch) * spatial
            if spatial >= 8 {
                sum += Double(Kernels.sum(p, spatial))
            } else {
                var acc: Float = 0
                for s in 0..<spatial { acc += p[s] }
                sum += Double(acc)
            }
        }
        return sum
    }

    /// `Σ (x − mean)²` over channel `channel` of a `[N, C, *]` buffer, accumulated as ``channelSum``.
    @inline(__always)
    static func channelSquaredDeviation(
        _ src: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int, channel ch: Int, mean muF: Float
    ) -> Double {
        var sq = 0.0
        for b in 0..<n {
            let p = src + (b * c + ch) * spatial
            if spatial >= 8 {
                sq += Double(Kernels.sumSquaredDeviation(p, spatial, muF))
            } else {
                var acc: Float = 0
                for s in 0..<spatial {
                    let d = p[s] - muF
                    acc += d * d
                }
                sq += Double(acc)
            }
        }
        return sq
    }

    /// `(Σ g, Σ g·(x − mean))` over channel `channel` (with `g` masked by `y > 0` when `y` is given), in `Double`
    /// across planes; `pair` is the kernel's scratch.
    @inline(__always)
    static func channelBackwardSums(
        _ gp: UnsafeMutablePointer<Float>, _ xp: UnsafeMutablePointer<Float>, _ yp: UnsafePointer<Float>?, n: Int,
        c: Int, spatial: Int, channel ch: Int, mean mu: Float, pair: inout SIMD2<Float>
    ) -> (Double, Double) {
        var sumG = 0.0, sumGX = 0.0
        for b in 0..<n {
            let off = (b * c + ch) * spatial
            pair = SIMD2<Float>()
            withUnsafeMutablePointer(to: &pair) { pp in
                pp.withMemoryRebound(to: Float.self, capacity: 2) { sums in
                    Kernels.batchNormBackwardSums(gp + off, xp + off, yp.map { $0 + off }, spatial, mu, sums)
                }
            }
            sumG += Double(pair[0])
            sumGX += Double(pair[1])
        }
        return (sumG, sumGX)
    }

    /// One channel's terms of the training-mode backward pass from the sums `Σ g'` and `Σ g'·(x − μ)` over its `count`
    /// values: `∂γ = Σ g'·(x − μ)/σ̂`, `∂β = Σ g'`, and the coefficients of `∂x = (g' − meanG − (x − μ)·k)·scale`:
    /// `meanG = Σ g'/count`, `k = Σ g'·(x − μ)/(count·σ̂²)`, `scale = γ/σ̂` (`invstd` = 1/σ̂).
    struct BatchNormBackwardTerms {
        let gGamma, gBeta, meanG, k, scale: Float

        @inline(__always)
        init(sumG: Double, sumGX: Double, count: Double, invstd: Float, gamma: Float) {
            gGamma = Float(sumGX) * invstd
            gBeta = Float(sumG)
            meanG = Float(sumG / count)
            k = Float(sumGX / count) * invstd * invstd
            scale = invstd * gamma
        }
    }

    /// Stores channel `ch`'s inverse standard deviation `1/√(σ² + eps)` and updates the running statistics, when
    /// given: `running_mean ← (1 − momentum)·running_mean + momentum·μ`, `running_var ← (1 − momentum)·running_var
    /// + momentum·σ²·M/(M − 1)` (`M` = `count`, the values per channel).
    @inline(__always)
    static func setStatistics(
        _ ch: Int, variance: Double, count: Double, eps: Float, momentum: Float, mean: UnsafeMutablePointer<Float>,
        invstd: UnsafeMutablePointer<Float>, runningMean rm: UnsafeMutablePointer<Float>?,
        runningVar rv: UnsafeMutablePointer<Float>?
    ) {
        invstd[ch] = Float(1 / (variance + Double(eps)).squareRoot())
        if let rm, let rv {
            rm[ch] = (1 - momentum) * rm[ch] + momentum * mean[ch]
            rv[ch] = (1 - momentum) * rv[ch] + momentum * Float(variance * count / (count - 1))
        }
    }

    /// `y = x·scale + (shift − mean·scale)` (then `max(·, 0)` when `relu`) over the planes of channel `ch`.
    @inline(__always)
    static func normalizeChannel(
        _ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
        channel ch: Int, mean: Float, scale: Float, shift: Float, relu: Bool
    ) {
        let shift = shift - mean * scale
        for b in 0..<n {
            let off = (b * c + ch) * spatial
            Kernels.scaleShift(src + off, dst + off, spatial, scale, shift, relu: relu)
        }
    }

    /// The training-mode `∂x = scale·(g − meanG − (x − μ)·k)` (with `g` masked by `y > 0` when `y` is given) over
    /// the planes of channel `ch`, where `k = mean(g·x̂)/σ²`.
    @inline(__always)
    static func applyBackwardChannel(
        _ gp: UnsafeMutablePointer<Float>, _ xp: UnsafeMutablePointer<Float>, _ yp: UnsafePointer<Float>?,
        _ gxp: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int, channel ch: Int, mean: Float,
        meanG: Float, k: Float, scale: Float
    ) {
        for b in 0..<n {
            let off = (b * c + ch) * spatial
            Kernels.batchNormBackwardApply(
                gp + off, xp + off, yp.map { $0 + off }, gxp + off, spatial, mu: mean, meanG: meanG, k: k,
                scale: scale)
        }
    }

    /// Records the batch norm `out = f(self, weight, bias)` for autodiff under `name`: `backward` receives the
    /// incoming gradient `g`, the input `x`, the output `y` when the ReLU is fused (it masks `g`), `γ`, and the
    /// buffers for `∂x`, `∂γ`, `∂β` (`nil` for those not needed), which it fills.
    fileprivate func recordBatchNorm(
        _ name: String, _ out: Tensor, weight: Tensor?, bias: Tensor?, relu: Bool,
        backward:
            @escaping (
                _ g: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>?,
                _ gamma: UnsafeMutablePointer<Float>?, _ gx: UnsafeMutablePointer<Float>?,
                _ gw: UnsafeMutablePointer<Float>?, _ gb: UnsafeMutablePointer<Float>?
            ) -> Void
    ) -> Tensor {
        var inputs = [self]
        let weightSlot = weight.map {
            inputs.append($0); return inputs.count - 1
        }
        let biasSlot = bias.map {
            inputs.append($0); return inputs.count - 1
        }
        let x = detach(), w = weight?.detach(), c = shape[1]
        let y: Tensor? = relu ? out : nil
        return Tensor.record(name, out, inputs) { g, needs in
            let gx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
            let gw = (weightSlot.map { needs[$0] } ?? false) ? Tensor(uninitializedShape: [c]) : nil
            let gb = (biasSlot.map { needs[$0] } ?? false) ? Tensor(uninitializedShape: [c]) : nil
            backward(
                g.storage.pointer, x.storage.pointer, y.map { UnsafePointer($0.storage.pointer) }, w?.storage.pointer,
                gx?.storage.pointer, gw?.storage.pointer, gb?.storage.pointer)
            var grads: [Tensor?] = [gx]
            if weightSlot != nil { grads.append(gw) }
            if biasSlot != nil { grads.append(gb) }
            return grads
        }
    }

    /// The training-mode batch norm of
    /// ``batchNorm(runningMean:runningVar:weight:bias:training:momentum:eps:reducer:)``: the same arithmetic as
    /// the plain one, in phases so that `reducer` runs between them (outside the parallel loops): local `Σx` and
    /// count → reduce → `μ`; local `Σ(x − μ)²` → reduce → `σ²`; normalise. Backward: local `Σg`, `Σg·(x − μ)` →
    /// `∂γ`, `∂β` (local) → reduce → `∂x`.
    fileprivate func syncedBatchNorm(
        runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?, momentum: Float, eps: Float,
        relu: Bool, reducer: @escaping BatchNormReducer
    ) -> Tensor {
        let n = shape[0], c = shape[1], spatial = shape.dropFirst(2).reduce(1, *)
        let m = n * spatial
        let src = storage.pointer
        // Phase 1: Σx per channel and the count, over all processes.
        var stats = [Double](repeating: 0, count: c + 1)
        stats.withUnsafeMutableBufferPointer { buffer in
            let sp = buffer.baseAddress!
            Parallel.forEachChunk(c, cost: m) { range in
                for ch in range { sp[ch] = Tensor.channelSum(src, n: n, c: c, spatial: spatial, channel: ch) }
            }
        }
        stats[c] = Double(m)
        reducer(&stats)
        let total = stats[c]
        precondition(
            total > 1,
            "batchNorm: expected more than 1 value per channel over all processes when training, got \(total)")
        let meanT = Tensor(uninitializedShape: [c]), invstdT = Tensor(uninitializedShape: [c])
        let mean = meanT.storage.pointer, invstd = invstdT.storage.pointer
        for ch in 0..<c { mean[ch] = Float(stats[ch] / total) }
        // Phase 2: Σ(x − μ)² per channel, over all processes.
        var squares = [Double](repeating: 0, count: c)
        squares.withUnsafeMutableBufferPointer { buffer in
            let sp = buffer.baseAddress!
            Parallel.forEachChunk(c, cost: m) { range in
                for ch in range {
                    sp[ch] = Tensor.channelSquaredDeviation(
                        src, n: n, c: c, spatial: spatial, channel: ch, mean: mean[ch])
                }
            }
        }
        reducer(&squares)
        let rm = runningMean?.storage.pointer, rv = runningVar?.storage.pointer
        for ch in 0..<c {
            Tensor.setStatistics(
                ch, variance: squares[ch] / total, count: total, eps: eps, momentum: momentum, mean: mean,
                invstd: invstd, runningMean: rm, runningVar: rv)
        }
        // Phase 3: normalise.
        let out = Tensor(uninitializedShape: shape)
        let dst = out.storage.pointer
        let gamma = weight?.storage.pointer, beta = bias?.storage.pointer
        Parallel.forEachChunk(c, cost: m) { range in
            for ch in range {
                Tensor.normalizeChannel(
                    src, dst, n: n, c: c, spatial: spatial, channel: ch, mean: mean[ch],
                    scale: invstd[ch] * (gamma?[ch] ?? 1), shift: beta?[ch] ?? 0, relu: relu)
            }
        }
        let name = relu ? "sync_batch_norm_relu" : "sync_batch_norm"
        return recordBatchNorm(name, out, weight: weight, bias: bias, relu: relu) { g, x, y, gamma, gx, gw, gb in
            let mean = meanT.storage.pointer, invstd = invstdT.storage.pointer
            // Local Σg and Σg·(x − μ): ∂γ and ∂β from them, then their sums over all processes for ∂x.
            var sums = [Double](repeating: 0, count: 2 * c)
            sums.withUnsafeMutableBufferPointer { buffer in
                let sp = buffer.baseAddress!
                Parallel.forEachChunk(c, cost: 3 * m) { range in
                    var pair = SIMD2<Float>()
                    for ch in range {
                        let (sumG, sumGX) = Tensor.channelBackwardSums(
                            g, x, y, n: n, c: c, spatial: spatial, channel: ch, mean: mean[ch], pair: &pair)
                        gw?[ch] = Float(sumGX) * invstd[ch]
                        gb?[ch] = Float(sumG)
                        sp[ch] = sumG
                        sp[c + ch] = sumGX
                    }
                }
            }
            guard let gx else { return }
            reducer(&sums)
            Parallel.forEachChunk(c, cost: 3 * m) { range in
                for ch in range {
                    let istd = invstd[ch]
                    Tensor.applyBackwardChannel(
                        g, x, y, gx, n: n, c: c, spatial: spatial, channel: ch, mean: mean[ch],
                        meanG: Float(sums[ch] / total), k: Float(sums[c + ch] / total) * istd * istd,
                        scale: istd * (gamma?[ch] ?? 1))
                }
            }
        }
    }
}

/// Batch normalisation over the channel dimension (the shared implementation of ``BatchNorm1d`` and
/// ``BatchNorm2d``, PyTorch's `_BatchNorm`); see ``Tensor/batchNorm(runningMean:runningVar:weight:bias:training:momentum:eps:)``.
///
/// In training mode it normalises with the batch statistics and updates `running_mean` / `running_var` in place
/// (`momentum` weighting, or a cumulative average when `momentum` is `nil`) and counts `num_batches_tracked`; in
/// eval mode it uses the running statistics. State-dict keys: `weight`, `bias`, `running_mean`, `running_var`,
/// `num_batches_tracked` (an integer buffer).
public class BatchNorm: Module, EpilogueFusable {
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
    /// The running (unbiased) variance, `[C]` (initialised to 1), or `nil` without `trackRunningStats`.
    @Buffer public var runningVar: Tensor?
    /// The number of training batches seen (a scalar integer buffer), or `nil` without `trackRunningStats`.
    @Buffer(dtype: .int64) public var numBatchesTracked: Tensor? = nil
    /// The input ranks accepted (`[2, 3]` for 1-D, `[4]` for 2-D).
    let acceptedRanks: [Int]
    /// When set, training-mode batch statistics are summed over the processes of a data-parallel job through it
    /// (PyTorch's `SyncBatchNorm`; `DescentTrain`'s `convertSyncBatchNorm` sets it); `nil` (the default): local.
    public var statisticsReducer: BatchNormReducer?

    /// `torch.nn.BatchNorm1d`/`BatchNorm2d`'s default `eps`, 1e-5.
    public static let defaultEps: Float = 1e-5
    /// `torch.nn.BatchNorm1d`/`BatchNorm2d`'s default `momentum`, 0.1.
    public static let defaultMomentum: Float = 0.1
    /// `torch.nn.BatchNorm1d`/`BatchNorm2d`'s default `affine`, true.
    public static let defaultAffine = true

    init(numFeatures: Int, eps: Float, momentum: Float?, affine: Bool, trackRunningStats: Bool, acceptedRanks: [Int]) {
        precondition(numFeatures >= 1, "BatchNorm: num_features must be positive, got \(numFeatures)")
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.trackRunningStats = trackRunningStats
        self.weight = affine ? Tensor.ones([numFeatures]) : nil
        self.bias = affine ? Tensor.zeros([numFeatures]) : nil
        self.runningMean = trackRunningStats ? Tensor.zeros([numFeatures]) : nil
        self.runningVar = trackRunningStats ? Tensor.ones([numFeatures]) : nil
        self.acceptedRanks = acceptedRanks
        super.init()
        self.numBatchesTracked = trackRunningStats ? Tensor(0) : nil
    }

    /// Whether a training-mode batch with one value per channel is recorded in ``trainingInputError`` instead
    /// of stopping the program (set for the duration of a training step by `DescentTrain`'s `SupervisedStep`,
    /// which then throws the error).
    @TaskLocal public static var recordsTrainingInputErrors = false

    /// The error of the last training-mode call with one value per channel, recorded while
    /// ``recordsTrainingInputErrors`` is set; clear it after reading (see ``takeTrainingInputError(in:)``).
    public var trainingInputError: DescentError?

    /// The first ``trainingInputError`` among the batch-norm layers of `model`, located at the layer's name in
    /// the model (`3 (BatchNorm1d)`), or `nil` when none was recorded; the errors are cleared in every layer.
    public static func takeTrainingInputError(in model: Module) -> DescentError? {
        var first: DescentError?
        for (name, m) in model.namedModules() {
            guard let bn = m as? BatchNorm, let e = bn.trainingInputError else { continue }
            first = first ?? (name.isEmpty ? e : DescentError(.shape, "\(name) (\(e.location))", e.reason))
            bn.trainingInputError = nil
        }
        return first
    }

    /// The error a training batch of one sample of shape `sampleShape` would give in `model` (a batch-norm layer
    /// left with one value per channel, named as in ``takeTrainingInputError(in:)``), or `nil` when there is none:
    /// found before training by one forward pass without gradients in which only the batch-norm layers are in
    /// training mode; their running statistics and batch counts are restored and every module's mode is put back,
    /// so the model is as it was and no random numbers are drawn.
    public static func trainingInputError(of model: Module, sampleShape: [Int]) -> DescentError? {
        let modules = model.namedModules().map(\.1)
        let norms = modules.compactMap { $0 as? BatchNorm }
        guard !norms.isEmpty else { return nil }
        let modes = modules.map(\.isTraining)
        func copy(_ t: Tensor?) -> Tensor? { t.map { Tensor($0.scalars, shape: $0.shape) } }
        let saved = norms.map {
            ($0.runningMean.map { copy($0)! }, $0.runningVar.map { copy($0)! }, copy($0.numBatchesTracked))
        }
        defer {
            // Depth first, parents before children: each call's recursion is overridden by the later ones.
            for (m, mode) in zip(modules, modes) { m.train(mode) }
            for (bn, (mean, variance, count)) in zip(norms, saved) {
                if let mean { bn.runningMean?.assignInPlace(mean) }
                if let variance { bn.runningVar?.assignInPlace(variance) }
                if let count { bn.numBatchesTracked?.assignInPlace(Tensor(count.scalars[0])) }
            }
        }
        model.eval()
        for bn in norms { bn.train() }
        _ = takeTrainingInputError(in: model)
        _ = withNoGrad { $recordsTrainingInputErrors.withValue(true) { model(Tensor.zeros([1] + sampleShape)) } }
        return takeTrainingInputError(in: model)
    }

    /// Resets the running statistics in place: mean 0, variance 1, no batches tracked.
    public func resetRunningStats() {
        runningMean?.assignInPlace(Tensor.zeros([numFeatures]))
        runningVar?.assignInPlace(Tensor.ones([numFeatures]))
        numBatchesTracked?.assignInPlace(Tensor(0))
    }

    /// Normalises `x` per channel; in training mode also updates the running statistics.
    public override func callAsFunction(_ x: Tensor) -> Tensor { forward(x, epilogue: .none) }

    /// Normalises `x`, followed by `epilogue` (the ReLU fused into the normalisation's pass).
    ///
    /// In training mode a batch with one value per channel (`[1, C]`, or `[1, C, 1, 1]` for 2-D) has no batch
    /// variance: it is a precondition failure (PyTorch raises), unless ``recordsTrainingInputErrors`` is set,
    /// when the layer stores PyTorch's error in ``trainingInputError``, returns `x` unnormalised (after the
    /// epilogue) and leaves its running statistics alone, for the caller to throw.
    public func forward(_ x: Tensor, epilogue: Epilogue) -> Tensor {
        checkInput(x)
        if isTraining && statisticsReducer == nil && x.rank >= 2 && x.shape[0] * x.shape.dropFirst(2).reduce(1, *) <= 1
        {
            let error = shapeError(
                "Expected more than 1 value per channel when training, got input size \(x.shape)")
            guard Self.recordsTrainingInputErrors else { preconditionFailure("\(error)") }
            trainingInputError = error
            return epilogue.apply(to: x)
        }
        let factor = statisticsMomentum()
        let y = x.batchNorm(
            runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            training: isTraining || runningMean == nil, momentum: factor, eps: eps,
            relu: epilogue != .none, reducer: isTraining ? statisticsReducer : nil)
        return epilogue == .reluMaxPool2x2 ? y.maxPool2d(kernelSize: 2) : y
    }

    /// The momentum of this call's running-statistics update, after counting the batch in training mode:
    /// ``momentum``, or `1 / batches seen` (a cumulative average) when it is `nil`.
    func statisticsMomentum() -> Float {
        var factor = momentum ?? 0
        if isTraining, let count = numBatchesTracked {
            let seen = count.withSharedStorage { p -> Float in
                p[0] += 1
                return p[0]
            }
            if momentum == nil { factor = 1 / seen }
        }
        return factor
    }

    /// ReLU, fused into the normalisation's pass.
    public func canFuse(_ epilogue: Epilogue) -> Bool { epilogue != .reluMaxPool2x2 }

    /// The input shape itself, after checking its rank and channel count.
    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard acceptedRanks.contains(inputShape.count), inputShape[1] == numFeatures else {
            let trailing = [2: "", 3: ", L", 4: ", H, W", 5: ", D, H, W"]
            let expected = acceptedRanks.map { "[N, \(numFeatures)\(trailing[$0] ?? "")]" }.joined(separator: " or ")
            throw shapeError("expects input \(expected) (num_features = \(numFeatures)), got \(inputShape)")
        }
        return inputShape
    }

    /// PyTorch's `extra_repr`.
    public override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(affine ? "True" : "False"), track_running_stats=\(trackRunningStats ? "True" : "False")"
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, L]` inputs over `N` (and `L`) per channel (PyTorch's
/// `nn.BatchNorm1d`); see ``BatchNorm``.
public final class BatchNorm1d: BatchNorm {
    /// A layer for `numFeatures` channels (PyTorch's defaults: `eps` 1e-5, `momentum` 0.1, affine, tracking).
    public init(
        _ numFeatures: Int, eps: Float = defaultEps, momentum: Float? = defaultMomentum,
        affine: Bool = defaultAffine, trackRunningStats: Bool = true
    ) {
        super.init(
            numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats, acceptedRanks: [2, 3])
    }
}

/// Batch normalisation of `[N, C, H, W]` inputs over `N`, `H` and `W` per channel (PyTorch's `nn.BatchNorm2d`);
/// see ``BatchNorm``.
public final class BatchNorm2d: BatchNorm {
    /// A layer for `numFeatures` channels (PyTorch's defaults: `eps` 1e-5, `momentum` 0.1, affine, tracking).
    public init(
        _ numFeatures: Int, eps: Float = defaultEps, momentum: Float? = defaultMomentum,
        affine: Bool = defaultAffine, trackRunningStats: Bool = true
    ) {
        super.init(
            numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats, acceptedRanks: [4])
    }
}
