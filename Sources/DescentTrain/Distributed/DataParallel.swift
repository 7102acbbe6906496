import Descent
import DescentData
import Foundation

/// Data-parallel training over a ``DistributedContext`` (PyTorch's `DistributedDataParallel`): set
/// ``Trainer/distributed`` and every rank runs the same `fit`; each trains on its ``DataShard`` of every global
/// batch, and after backward the gradients are replaced by their sample-weighted mean over the ranks,
/// `g ← Σ_r n_r·g_r / Σ_r n_r` (`n_r`: samples of rank `r` in the batch), so one step equals the one-process
/// step on the whole batch up to float summation order. The loss the callbacks see is the global mean
/// `Σ_r n_r·loss_r / Σ_r n_r`, so NaN checks, clipping and schedules decide the same on every rank.
///
/// ```swift
/// let context = try MPIContext()          // DescentMPI, under mpirun
/// trainer.distributed = DataParallel(context)
/// try trainer.fit(trainLoader, validation: validationLoader, epochs: 10)   // the same loaders on every rank
/// ```
///
/// A loop of your own uses ``broadcastState(of:)`` once, `loader.sharded(dataParallel.shard)`,
/// ``averageGradients(_:samples:loss:)`` between backward and the optimizer step, and ``reduce(_:)`` on
/// evaluations.
public final class DataParallel {
    /// The ranks and their collectives.
    public let context: any DistributedContext
    /// The largest gradient bucket in bytes (25 MiB, as DDP).
    public var bucketBytes: Int
    /// Check every this many optimizer steps that the weights and optimizer state are identical on all ranks
    /// (``verifyReplicas(model:optimizer:step:)``); 0: never.
    public var checkEvery: Int
    /// Seconds spent averaging gradients (packing, all-reduce, unpacking) since this object was made.
    public private(set) var allReduceSeconds = 0.0
    /// Of ``allReduceSeconds``, the seconds until the first collective awaited is complete, which includes
    /// waiting for the slowest rank to finish its backward pass (without ``beginStep(parameters:samples:globalSamples:)``
    /// that collective is the tiny one of the sample counts: waiting, not transfer).
    public private(set) var synchronizeSeconds = 0.0
    /// Gradient averages done since this object was made.
    public private(set) var allReduceCount = 0
    private var plan: (counts: [Int], buckets: GradientBuckets)?
    private var buffers: [[Float]] = []
    private var pending: PendingStep?

    /// A step whose buckets start while backward runs (``beginStep(parameters:samples:globalSamples:)``).
    private final class PendingStep {
        let parameters: [Tensor]
        let samples: Int, globalSamples: Int
        let scale: Float
        /// Parameter index of each gradient identity; bucket of each parameter.
        var index: [ObjectIdentifier: Int] = [:]
        var bucketOf: [Int]
        /// Parameters of each bucket whose gradient is not final yet.
        var remaining: [Int]
        var requests: [any DistributedRequest] = []
        var failure: Error?

        init(parameters: [Tensor], samples: Int, globalSamples: Int, buckets: GradientBuckets) {
            self.parameters = parameters
            self.samples = samples
            self.globalSamples = globalSamples
            scale = globalSamples > 0 ? Float(Double(samples) / Double(globalSamples)) : 0
            bucketOf = Array(repeating: 0, count: parameters.count)
            for (b, bucket) in buckets.buckets.enumerated() { for p in bucket.parameters { bucketOf[p] = b } }
            remaining = buckets.buckets.map(\.parameters.count)
            for (p, t) in parameters.enumerated() { if let id = t.gradientIdentity { index[id] = p } }
        }

        /// Whether `parameters` are this step's (the same tensors in the same order).
        func holds(_ parameters: [Tensor]) -> Bool {
            parameters.count == self.parameters.count
                && zip(parameters, self.parameters).allSatisfy { $0.gradientIdentity == $1.gradientIdentity }
        }
    }

    /// Data-parallel training over `context`, with buckets of at most `bucketBytes` and a replica check every
    /// `checkEvery` steps (0: none).
    public init(_ context: any DistributedContext, bucketBytes: Int = 25 << 20, checkEvery: Int = 0) {
        precondition(bucketBytes > 0, "DataParallel: bucketBytes must be positive, got \(bucketBytes)")
        precondition(checkEvery >= 0, "DataParallel: checkEvery must be non-negative, got \(checkEvery)")
        self.context = context
        self.bucketBytes = bucketBytes
        self.checkEvery = checkEvery
    }

    /// This rank's slice of every batch.
    public var shard: DataShard { DataShard(rank: context.rank, count: context.size) }

    /// Copies rank 0's parameters and buffers into every other rank's model (before the first step, so that
    /// all ranks start from the same weights).
    public func broadcastState(of model: Module) throws {
        for entry in model.stateEntries() {
            try entry.tensor.withSharedStorage { try context.broadcast(UnsafeMutableRawBufferPointer($0), root: 0) }
        }
    }

    /// Replaces the gradient of every one of `parameters` by the sample-weighted mean over ranks,
    /// `g ← Σ_r n_r·g_r / Σ_r n_r`, where this rank's `samples` = `n_r` and its batch-mean `loss`; a parameter
    /// without a gradient counts as zeros (a rank with no samples passes 0 and joins with zeros). Returns the
    /// global sample count `Σ_r n_r` and mean loss `Σ_r n_r·loss_r / Σ_r n_r`.
    ///
    /// The gradients travel in ``GradientBuckets`` of at most ``bucketBytes``, all started before the first is
    /// awaited; after ``beginStep(parameters:samples:globalSamples:)``, those that were final during backward
    /// have started already.
    ///
    /// - Throws: the context's error when a collective fails.
    @discardableResult
    public func averageGradients(_ parameters: [Tensor], samples: Int, loss: Float) throws -> (
        samples: Int, loss: Float
    ) {
        let start = Date()
        defer {
            allReduceSeconds += Date().timeIntervalSince(start)
            allReduceCount += 1
        }
        if let step = pending, step.holds(parameters), step.samples == samples {
            // Buckets started during backward: start the rest, wait, then agree on the sample count and loss.
            pending = nil
            if let failure = step.failure { throw failure }
            try startReadyBuckets(step, all: true)
            let firstDone = try finish(step.requests, parameters)
            synchronizeSeconds += (firstDone ?? Date()).timeIntervalSince(start)
            var totals = [Double(samples), samples == 0 ? 0 : Double(loss) * Double(samples)]
            try context.allReduceSum(&totals)
            guard Int(totals[0]) == step.globalSamples else {
                throw DescentError(
                    .distributed, "rank \(context.rank)",
                    "the ranks hold \(Int(totals[0])) samples of a batch of \(step.globalSamples): they are not on the same batch"
                )
            }
            return (step.globalSamples, totals[0] > 0 ? Float(totals[1] / totals[0]) : loss)
        }
        pending = nil
        var totals = [Double(samples), samples == 0 ? 0 : Double(loss) * Double(samples)]
        try context.allReduceSum(&totals)
        synchronizeSeconds += Date().timeIntervalSince(start)
        let total = totals[0]
        guard total > 0 else { return (0, loss) }
        let scale = Float(Double(samples) / total)
        preparePlan(parameters.map(\.count))
        var requests: [any DistributedRequest] = []
        for b in plan!.buckets.buckets.indices {
            pack(bucket: b, parameters, scale: scale, zeros: samples == 0)
            requests.append(try buffers[b].withUnsafeMutableBufferPointer { try context.startAllReduceSum($0) })
        }
        try finish(requests, parameters)
        return (Int(total), Float(totals[1] / total))
    }

    /// Starts a step whose gradient buckets are reduced while backward runs (PyTorch DDP's overlap): run the
    /// step's backward inside `GradientReadyHook.$current.withValue(hook) { … }` with the returned hook, then call
    /// ``averageGradients(_:samples:loss:)`` with the same `parameters` and `samples` as usual. A bucket starts
    /// (`startAllReduceSum`) as soon as the gradients of all its parameters are final and every earlier bucket has
    /// started (the same order on every rank); the rest start in ``averageGradients(_:samples:loss:)``, as they do
    /// on a rank with no samples, which runs no backward. `globalSamples` = `Σ_r n_r` of the step, the same on
    /// every rank (the size of the global batch), so each gradient is scaled by `n_r / Σ n` before it is sent.
    public func beginStep(parameters: [Tensor], samples: Int, globalSamples: Int) -> GradientReadyHook {
        let counts = parameters.map(\.count)
        preparePlan(counts)
        let step = PendingStep(
            parameters: parameters, samples: samples, globalSamples: globalSamples, buckets: plan!.buckets)
        pending = step
        return GradientReadyHook { [unowned self] id in
            guard let p = step.index[id], step.failure == nil else { return }
            step.remaining[step.bucketOf[p]] -= 1
            do {
                try startReadyBuckets(step, all: false)
                for request in step.requests { _ = try request.test() }  // lets MPI move the started ones on
            } catch {
                step.failure = error
            }
        }
    }

    /// Starts, in order, the buckets of `step` whose gradients are final (`all`: every bucket left).
    private func startReadyBuckets(_ step: PendingStep, all: Bool) throws {
        let buckets = plan!.buckets.buckets
        while step.requests.count < buckets.count && (all || step.remaining[step.requests.count] == 0) {
            let b = step.requests.count
            pack(bucket: b, step.parameters, scale: step.scale, zeros: step.samples == 0)
            step.requests.append(try buffers[b].withUnsafeMutableBufferPointer { try context.startAllReduceSum($0) })
        }
    }

    /// Makes the buckets and their buffers for parameters of `counts` elements (kept while they stay the same).
    private func preparePlan(_ counts: [Int]) {
        guard plan?.counts != counts else { return }
        let buckets = GradientBuckets(counts: counts, capBytes: bucketBytes)
        plan = (counts, buckets)
        buffers = buckets.buckets.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Copies `scale ×` the gradients of bucket `b`'s parameters into its buffer (zeros for a missing gradient,
    /// or all zeros).
    private func pack(bucket b: Int, _ parameters: [Tensor], scale: Float, zeros: Bool) {
        let bucket = plan!.buckets.buckets[b]
        buffers[b].withUnsafeMutableBufferPointer { buffer in
            for (p, offset) in zip(bucket.parameters, bucket.offsets) {
                let destination = buffer.baseAddress! + offset
                if let g = parameters[p].grad, !zeros {
                    g.withUnsafeBufferPointer { g in
                        for i in 0..<g.count { destination[i] = g[i] * scale }
                    }
                } else {
                    destination.update(repeating: 0, count: parameters[p].count)
                }
            }
        }
    }

    /// Waits for every bucket's request and writes the sums back as the parameters' gradients; returns when the
    /// first wait ended.
    @discardableResult
    private func finish(_ requests: [any DistributedRequest], _ parameters: [Tensor]) throws -> Date? {
        var firstDone: Date?
        for (b, bucket) in plan!.buckets.buckets.enumerated() {
            try requests[b].wait()
            if b == 0 { firstDone = Date() }
            buffers[b].withUnsafeBufferPointer { buffer in
                for (p, offset) in zip(bucket.parameters, bucket.offsets) {
                    let parameter = parameters[p]
                    let source = UnsafeBufferPointer(rebasing: buffer[offset..<(offset + parameter.count)])
                    if var g = parameter.grad {
                        parameter.grad = nil
                        g.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: source) }
                        parameter.grad = g
                    } else {
                        parameter.grad = Tensor(Array(source), shape: parameter.shape)
                    }
                }
            }
        }
        return firstDone
    }

    /// The evaluation over all ranks of per-rank evaluations of their shards: loss `Σ loss_r·n_r / Σ n_r` and
    /// the classification, regression and sequence (token) sums added, so the figures equal a one-process
    /// evaluation of the whole data (up to float summation order).
    ///
    /// - Throws: the context's error when a collective fails.
    public func reduce(_ evaluation: Evaluation) throws -> Evaluation {
        let c = evaluation.classification, r = evaluation.regression, s = evaluation.sequence
        var header = [Double(c?.classes ?? 0), Double(c?.topK ?? 0), r == nil ? 0 : 1, s == nil ? 0 : 1]
        try context.allReduceMax(&header)
        let classes = Int(header[0]), topK = Int(header[1]), regression = header[2] > 0, sequence = header[3] > 0
        var sums = [evaluation.loss * Double(evaluation.samples), Double(evaluation.samples)]
        if classes > 0 { sums += c?.sums ?? [Double](repeating: 0, count: 3 + classes * classes) }
        if regression { sums += r?.sums ?? [Double](repeating: 0, count: 7) }
        if sequence { sums += s?.sums ?? [0, 0, 0] }
        try context.allReduceSum(&sums)
        var result = Evaluation(loss: sums[0] / max(sums[1], 1), samples: Int(sums[1]))
        var next = 2
        if classes > 0 {
            var metrics = ClassificationMetrics(classes: classes, topK: topK)
            metrics.add(sums: Array(sums[next..<(next + 3 + classes * classes)]))
            result.classification = metrics
            next += 3 + classes * classes
        }
        if regression {
            var metrics = RegressionMetrics()
            metrics.add(sums: Array(sums[next..<(next + 7)]))
            result.regression = metrics
            next += 7
        }
        if sequence {
            var metrics = SequenceMetrics(ignoreIndex: s?.ignoreIndex ?? Vocabulary.padIndex)
            metrics.add(sums: Array(sums[next..<(next + 3)]))
            result.sequence = metrics
        }
        return result
    }

    /// Adds this rank's training sums of one step (`local`: loss sum, samples and classification of its shard)
    /// to `progress` summed over all ranks, and returns whether any rank's ``InterruptSignal`` is raised (so that
    /// all ranks stop after the same step).
    func addStep(_ local: TrainerState, to progress: inout TrainerState) throws -> Bool {
        let c = local.epochClassification
        var header = [Double(c?.classes ?? 0), Double(c?.topK ?? 0), InterruptSignal.isRaised ? 1 : 0]
        try context.allReduceMax(&header)
        let classes = Int(header[0]), topK = Int(header[1])
        var sums = [local.epochLossSum, Double(local.epochSamples)]
        if classes > 0 { sums += c?.sums ?? [Double](repeating: 0, count: 3 + classes * classes) }
        try context.allReduceSum(&sums)
        progress.epochLossSum += sums[0]
        progress.epochSamples += Int(sums[1])
        if classes > 0 {
            if progress.epochClassification == nil {
                progress.epochClassification = ClassificationMetrics(classes: classes, topK: topK)
            }
            progress.epochClassification!.add(sums: Array(sums[2...]))
        }
        return header[2] > 0
    }

    /// A checksum of `model`'s parameters and buffers and `optimizer`'s state:
    /// `Σ_k Σ_i (1 + i mod 7)·x_ki + 31·k` in `Double` over the tensors `k` in order, so that swapped or shifted
    /// values change it too.
    public static func checksum(model: Module, optimizer: any Optimizer) -> Double {
        var total = 0.0, k = 0
        func add(_ values: UnsafeBufferPointer<Float>) {
            var s = 0.0
            for (i, x) in values.enumerated() { s += Double(1 + i % 7) * Double(x) }
            total += s + 31 * Double(k)
            k += 1
        }
        for entry in model.stateEntries() { entry.tensor.withUnsafeBufferPointer(add) }
        let state = optimizer.stateDict()
        total += Double(state.stepCount)
        for p in state.parameters {
            total += Double(p.step) + p.scalars.keys.sorted().reduce(0) { $0 + p.scalars[$1]! }
            for name in p.buffers.keys.sorted() { p.buffers[name]!.withUnsafeBufferPointer(add) }
        }
        return total
    }

    /// Checks that every rank holds the same weights, buffers and optimizer state (``checksum(model:optimizer:)``
    /// gathered from all ranks).
    ///
    /// - Throws: ``DescentError`` of kind `.distributed` naming the ranks whose state differs from rank 0's at
    ///   `step`.
    public func verifyReplicas(model: Module, optimizer: any Optimizer, step: Int) throws {
        var all = [Double](repeating: 0, count: context.size)
        all[context.rank] = DataParallel.checksum(model: model, optimizer: optimizer)
        try context.allReduceSum(&all)
        let differing = (1..<context.size).filter { all[$0].bitPattern != all[0].bitPattern }
        guard differing.isEmpty else {
            throw DescentError(
                .distributed, "rank \(differing.map(String.init).joined(separator: ", rank "))",
                "weights or optimizer state differ from rank 0's after step \(step) (checksum "
                    + "\(differing.map { "\(all[$0])" }.joined(separator: ", ")) against \(all[0]))")
        }
    }
}
