import Descent
import Foundation
import Testing

@testable import DescentTrain

/// SyncBatchNorm and `convertSyncBatchNorm`: with ``SingleProcess`` bit for bit BatchNorm; over 2 (and 3) ranks
/// simulated by threads of one process (``BatchNormRanks``), each rank's half of the batch gives the forward output,
/// input gradients and running statistics of BatchNorm over the whole batch, and the ranks' `∂γ`, `∂β` sum to
/// the whole batch's. Tolerance: relative 1e-5 against max(|value|, 1e-3) — the sums are the same `Double`
/// accumulations split at a different place (per rank, then across ranks), so only float rounding of the
/// partial sums differs (observed ≤ 1e-6).
@Suite struct SyncBatchNormTests {
    static let tolerance: Float = 1e-5

    /// The largest |a − b| / max(|b|, 1e-3) over the elements.
    func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        #expect(a.shape == b.shape)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? 0
    }

    /// A BatchNorm2d or BatchNorm1d with non-trivial γ, β and running statistics (the same on every call).
    func makeNorm(_ channels: Int, twoD: Bool, momentum: Float? = 0.1) -> BatchNorm {
        let norm: BatchNorm =
            twoD ? BatchNorm2d(channels, momentum: momentum) : BatchNorm1d(channels, momentum: momentum)
        let g = RandomGenerator(seed: 5)
        norm.weight!.assignInPlace(g.normal([channels], mean: 1, std: 0.3))
        norm.bias!.assignInPlace(g.normal([channels]))
        norm.runningMean!.assignInPlace(g.normal([channels]))
        norm.runningVar!.assignInPlace(g.uniform([channels], low: 0.5, high: 2))
        return norm
    }

    @Test func singleProcessEqualsBatchNormExactly() throws {
        for (shape, twoD) in [([6, 3, 4, 5], true), ([7, 4], false), ([5, 2, 9], false)] {
            let g = RandomGenerator(seed: 1)
            let x = g.normal(shape, mean: 0.5, std: 2), probe = g.normal(shape)
            let plain = makeNorm(shape[1], twoD: twoD), synced = makeNorm(shape[1], twoD: twoD)
            #expect(convertSyncBatchNorm(synced, context: SingleProcess()) == 1)
            let layer = SyncBatchNorm(shape[1], context: SingleProcess())
            _ = try layer.load(stateDict: plain.stateDict())
            let all: [Module] = [plain, synced, layer]
            for step in 0..<2 {
                let xs = [x, x, x].map { $0.detach().requiringGrad() }
                let ys = [plain(xs[0]), synced(xs[1]), layer(xs[2])]
                for y in ys { (y * probe).sum().backward() }
                for (i, name) in [(1, "converted"), (2, "SyncBatchNorm")] {
                    #expect(ys[i].scalars == ys[0].scalars, "\(name) output, step \(step)")
                    #expect(xs[i].grad!.scalars == xs[0].grad!.scalars, "\(name) ∂x, step \(step)")
                }
                #expect(synced.weight!.grad!.scalars == plain.weight!.grad!.scalars)
                #expect(layer.bias!.grad!.scalars == plain.bias!.grad!.scalars)
                #expect(synced.runningVar!.scalars == plain.runningVar!.scalars)
                #expect(layer.runningMean!.scalars == plain.runningMean!.scalars)
                #expect(layer.runningVar!.scalars == plain.runningVar!.scalars)
                for m in all { m.zeroGrad() }
            }
            // Eval mode: running statistics, no reduction.
            for m in all { m.eval() }
            #expect(synced(x).scalars == plain(x).scalars)
            #expect(layer(x).scalars == plain(x).scalars)
        }
    }

    @Test func fusedReLUOfConvertedLayerEqualsBatchNorm() {
        let g = RandomGenerator(seed: 2)
        let x = g.normal([4, 3, 6, 6])
        let plain = makeNorm(3, twoD: true), synced = makeNorm(3, twoD: true)
        convertSyncBatchNorm(synced, context: SingleProcess())
        let (a, b) = (x.detach().requiringGrad(), x.detach().requiringGrad())
        let ya = plain.forward(a, epilogue: .relu), yb = synced.forward(b, epilogue: .relu)
        ya.sum().backward()
        yb.sum().backward()
        #expect(ya.scalars == yb.scalars)
        #expect(a.grad!.scalars == b.grad!.scalars)
    }

    /// `ranks` threads, each with its own copy of the layer and its slice of the batch, against one BatchNorm
    /// over the whole batch: outputs, ∂x, Σ_ranks ∂γ and ∂β, running statistics after two steps.
    func expectShardsMatchWholeBatch(
        shape: [Int], twoD: Bool, ranks: Int, relu: Bool = false, momentum: Float? = 0.1,
        useLayer: Bool = false
    ) throws {
        let g = RandomGenerator(seed: 3)
        let steps = (0..<2).map { _ in (g.normal(shape, mean: -1, std: 3), g.normal(shape)) }
        let whole = makeNorm(shape[1], twoD: twoD, momentum: momentum)
        let n = shape[0]
        let bounds = (0...ranks).map { n * $0 / ranks }
        let group = BatchNormRanks(size: ranks)
        let shards: [Module] = try (0..<ranks).map { r in
            if useLayer {
                let layer = SyncBatchNorm(shape[1], context: group.context(rank: r), momentum: momentum)
                _ = try layer.load(stateDict: whole.stateDict())
                return layer
            }
            let norm = makeNorm(shape[1], twoD: twoD, momentum: momentum)
            convertSyncBatchNorm(norm, context: group.context(rank: r))
            return norm
        }
        func apply(_ m: Module, _ x: Tensor) -> Tensor {
            if relu, let norm = m as? BatchNorm { return norm.forward(x, epilogue: .relu) }
            let y = m(x)
            return relu ? y.relu() : y
        }
        for (step, (x, probe)) in steps.enumerated() {
            let xw = x.detach().requiringGrad()
            let yw = apply(whole, xw)
            (yw * probe).sum().backward()
            let results = Box<[(y: Tensor, gx: Tensor)?]>(Array(repeating: nil, count: ranks))
            group.run { r in
                let range = bounds[r]..<bounds[r + 1]
                let xr = x[range].detach().requiringGrad()
                let yr = apply(shards[r], xr)
                (yr * probe[range]).sum().backward()
                results.lock.withLock { results.value[r] = (yr, xr.grad!) }
            }
            let parts = results.value.map { $0! }
            let what = "\(ranks) ranks, shape \(shape), step \(step)"
            #expect(relativeError(Tensor.concatenate(parts.map(\.y)), yw) <= Self.tolerance, "output, \(what)")
            #expect(relativeError(Tensor.concatenate(parts.map(\.gx)), xw.grad!) <= Self.tolerance, "∂x, \(what)")
            let states = shards.map { Dictionary(uniqueKeysWithValues: $0.namedParameters() + $0.namedBuffers()) }
            for name in ["weight", "bias"] {
                let summed = states.map { $0[name]!.grad! }.dropFirst().reduce(states[0][name]!.grad!, +)
                #expect(
                    relativeError(summed, whole.namedParameters().first { $0.0 == name }!.1.grad!) <= Self.tolerance)
            }
            for (name, buffer) in whole.namedBuffers() {
                for state in states {
                    #expect(relativeError(state[name]!, buffer) <= Self.tolerance, "\(name), \(what)")
                }
            }
            whole.zeroGrad()
            for s in shards { s.zeroGrad() }
        }
    }

    @Test func twoRanksEqualBatchNormOverTheWholeBatch() throws {
        try expectShardsMatchWholeBatch(shape: [8, 3, 5, 4], twoD: true, ranks: 2)
        try expectShardsMatchWholeBatch(shape: [10, 5], twoD: false, ranks: 2)
        try expectShardsMatchWholeBatch(shape: [6, 2, 3], twoD: false, ranks: 2, momentum: nil)
        try expectShardsMatchWholeBatch(shape: [8, 3, 4, 4], twoD: true, ranks: 2, relu: true)
        try expectShardsMatchWholeBatch(shape: [8, 3, 5, 4], twoD: true, ranks: 2, useLayer: true)
    }

    @Test func unevenShardsOverThreeRanks() throws {
        // 7 samples over 3 ranks (2, 2, 3): the global count, not the rank count, weights the statistics.
        try expectShardsMatchWholeBatch(shape: [7, 4, 3, 3], twoD: true, ranks: 3)
    }

    @Test func stateDictKeysAreBatchNorms() throws {
        let layer = SyncBatchNorm(4, context: SingleProcess())
        #expect(layer.stateDict().map(\.0) == BatchNorm2d(4).stateDict().map(\.0))
        #expect(
            layer.description == "SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)")
        #expect(throws: DescentError.self) { try layer.outputShape(for: [2, 3, 5]) }
        #expect(try layer.outputShape(for: [2, 4, 5]) == [2, 4, 5])
    }

    @Test func convertsEveryBatchNormOfAModel() throws {
        let model = ResNet.small()
        let before = model.stateDict().map(\.0)
        let count = model.namedModules().filter { $0.1 is BatchNorm }.count
        #expect(count > 5)
        #expect(convertSyncBatchNorm(model, context: SingleProcess()) == count)
        #expect(
            model.namedModules().allSatisfy { ($0.1 as? BatchNorm)?.statisticsReducer != nil || !($0.1 is BatchNorm) })
        #expect(model.stateDict().map(\.0) == before)
    }

    @Test func configKey() throws {
        #expect(try !TrainingConfig.parse(yaml: "").training.syncBatchNorm)
        #expect(try TrainingConfig.parse(yaml: "training: {sync_batch_norm: true}").training.syncBatchNorm)
    }
}

/// A value shared between the threads of a test, behind a lock.
final class Box<Value>: @unchecked Sendable {
    /// The value; read it after the threads have finished, write it under `lock`.
    var value: Value
    /// Guards `value` while threads run.
    let lock = NSLock()

    init(_ value: Value) { self.value = value }
}

/// `size` ranks in one process, one thread each: collectives meet at a condition variable and sum in rank order
/// (deterministic). For tests of code written against ``DistributedContext``.
final class BatchNormRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[Double]]
    private var result: [Double] = []
    private var arrived = 0
    private var generation = 0

    init(size: Int) {
        self.size = size
        slots = Array(repeating: [], count: size)
    }

    /// Rank `rank`'s context.
    func context(rank: Int) -> BatchNormRank { BatchNormRank(group: self, rank: rank) }

    /// Runs `body(rank)` on `size` threads at once and returns when all have finished.
    func run(_ body: @escaping (Int) -> Void) {
        let done = DispatchGroup()
        let work = Box(body)
        for r in 0..<size {
            done.enter()
            let thread = Thread {
                work.value(r)
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
    }

    /// Combines every rank's `values` with `combine` (in rank order) and hands the result to all.
    func reduce(_ values: [Double], rank: Int, _ combine: (Double, Double) -> Double) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let round = generation
        slots[rank] = values
        arrived += 1
        if arrived == size {
            precondition(slots.allSatisfy { $0.count == values.count }, "BatchNormRanks: lengths differ")
            result = slots[0]
            for r in 1..<size { for i in result.indices { result[i] = combine(result[i], slots[r][i]) } }
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == round { condition.wait() }
        }
        return result
    }
}

/// One rank of a ``BatchNormRanks``.
final class BatchNormRank: DistributedContext, @unchecked Sendable {
    let group: BatchNormRanks
    let rank: Int
    var size: Int { group.size }

    init(group: BatchNormRanks, rank: Int) {
        self.group = group
        self.rank = rank
    }

    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let sum = group.reduce(buffer.map(Double.init), rank: rank, +)
        for i in buffer.indices { buffer[i] = Float(sum[i]) }
    }
    func allReduceSum(_ values: inout [Double]) throws { values = group.reduce(values, rank: rank, +) }
    func allReduceMax(_ values: inout [Double]) throws { values = group.reduce(values, rank: rank, max) }
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any DistributedRequest {
        try allReduceSum(buffer)
        return Done()
    }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        let bytes = buffer.map { rank == root ? Double($0) : 0 }
        let all = group.reduce(bytes, rank: rank, +)
        for i in buffer.indices { buffer[i] = UInt8(all[i]) }
    }
    func barrier() throws { _ = group.reduce([], rank: rank, +) }
    func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
        throw DescentError(.argument, "BatchNormRank", "send is not simulated")
    }
    func receive(from source: Int?, tag: Int?) throws -> DistributedMessage {
        throw DescentError(.argument, "BatchNormRank", "receive is not simulated")
    }
    func abort(_ message: String) -> Never { fatalError(message) }

    final class Done: DistributedRequest {
        func wait() throws {}
    }
}
