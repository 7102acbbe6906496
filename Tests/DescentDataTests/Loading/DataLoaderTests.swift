import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// A dataset whose sample `i` is `[i, i + 0.5]` with class `i % 3`, counting how many samples were made.
final class TestCountingDataset: Dataset, @unchecked Sendable {
    let count: Int
    let delay: useconds_t
    private let lock = NSLock()
    private var made = 0

    init(count: Int, delay: useconds_t = 0) {
        self.count = count
        self.delay = delay
    }

    var samplesMade: Int {
        lock.lock()
        defer { lock.unlock() }
        return made
    }

    func sample(at index: Int) -> Sample {
        if delay > 0 { usleep(delay) }
        lock.lock()
        made += 1
        lock.unlock()
        return Sample(input: Tensor([Float(index), Float(index) + 0.5]), target: .classIndex(index % 3))
    }
}

/// A dataset of inputs `[1, length]` whose length varies with the index.
struct TestRaggedDataset: Dataset {
    let count: Int
    func sample(at index: Int) -> Sample {
        Sample(
            input: Tensor((0..<(index % 3 + 1)).map { Float(index * 10 + $0) }, shape: [1, index % 3 + 1]),
            target: .classIndex(index))
    }
}

@Suite struct DataLoaderTests {
    @Test func batchCountsWithAndWithoutDropLast() {
        let data = TestCountingDataset(count: 10)
        #expect(DataLoader(data, batchSize: 4).batchesPerEpoch == 3)
        #expect(DataLoader(data, batchSize: 4, dropLast: true).batchesPerEpoch == 2)
        #expect(DataLoader(data, batchSize: 5, dropLast: true).batchesPerEpoch == 2)
        #expect(DataLoader(data, batchSize: 1).batchesPerEpoch == 10)
        #expect(DataLoader(data, batchSize: .full).batchesPerEpoch == 1)
        #expect(DataLoader(data, batchSize: 20, dropLast: true).batchesPerEpoch == 0)
        #expect(Array(DataLoader(data, batchSize: 20, dropLast: true).epoch(0)).isEmpty)

        let sizes = DataLoader(data, batchSize: 4).epoch(0).map(\.count)
        #expect(sizes == [4, 4, 2])
        #expect(DataLoader(data, batchSize: 4, dropLast: true).epoch(0).map(\.count) == [4, 4])
        #expect(DataLoader(data, batchSize: 4).epoch(0).count == 3)
    }

    @Test func unshuffledBatchesFollowTheDatasetOrder() throws {
        let batches = Array(DataLoader(TestCountingDataset(count: 5), batchSize: 2).epoch(0))
        #expect(batches.map(\.indices) == [[0, 1], [2, 3], [4]])
        #expect(batches[1].inputs.shape == [2, 2])
        #expect(batches[1].inputs.scalars == [2, 2.5, 3, 3.5])
        #expect(batches[1].labels == [2, 0])
        #expect(batches[1].targets == nil)
    }

    @Test func fullBatchAndSingleSampleBatches() {
        let data = TestCountingDataset(count: 7)
        let full = Array(DataLoader(data, batchSize: .full, shuffle: true, seed: 3).epoch(0))
        #expect(full.count == 1)
        #expect(full[0].inputs.shape == [7, 2])
        #expect(full[0].indices.sorted() == Array(0..<7))
        let sgd = Array(DataLoader(data, batchSize: 1).epoch(0))
        #expect(sgd.map(\.inputs.shape) == Array(repeating: [1, 2], count: 7))
    }

    @Test func shuffleIsDeterministicPerSeedAndEpoch() {
        let data = TestCountingDataset(count: 50)
        let loader = DataLoader(data, batchSize: 8, shuffle: true, seed: 11)
        let e0 = loader.epoch(0).map(\.indices), again = loader.epoch(0).map(\.indices)
        #expect(e0 == again)
        #expect(e0.flatMap { $0 }.sorted() == Array(0..<50))
        #expect(e0 != loader.epoch(1).map(\.indices))
        #expect(e0 != DataLoader(data, batchSize: 8, shuffle: true, seed: 12).epoch(0).map(\.indices))
        // The order is the documented permutation.
        #expect(loader.order(epoch: 3) == SampleRandomness.shuffleGenerator(seed: 11, epoch: 3).permutation(50))
        #expect(loader.batchIndices(epoch: 3).flatMap { $0 } == loader.order(epoch: 3))
        // A later epoch does not depend on iterating the earlier ones.
        #expect(
            DataLoader(data, batchSize: 8, shuffle: true, seed: 11).epoch(1).map(\.indices)
                == loader.epoch(1).map(\.indices))
    }

    @Test func batchesAreIdenticalWithZeroOneOrThreeWorkers() throws {
        let data = GeneratedShapes(count: 37, seed: 5)
        let transform = Compose(RandomApply(p: 0.5, TestOffsetTransform()), Normalize(mean: [0.2], std: [0.3]))
        func run(_ workers: Int) -> [Batch] {
            let loader = DataLoader(
                data, batchSize: 5, shuffle: true, seed: 21, transform: transform, workers: workers, prefetch: 2)
            return Array(loader.epoch(2))
        }
        let reference = run(0)
        #expect(reference.count == 8)
        for workers in [1, 3] {
            let other = run(workers)
            #expect(other.count == reference.count)
            for (a, b) in zip(reference, other) {
                #expect(a.indices == b.indices)
                #expect(a.labels == b.labels)
                #expect(a.inputs.isBitwiseEqual(b.inputs), "workers \(workers)")
            }
        }
        // The random transform really did something, and differently per epoch.
        let plain = Array(
            DataLoader(data, batchSize: 5, shuffle: true, seed: 21, transform: Normalize(mean: [0.2], std: [0.3]))
                .epoch(2))
        #expect(zip(plain, reference).contains { !$0.inputs.isBitwiseEqual($1.inputs) })
        let loader = DataLoader(data, batchSize: 5, shuffle: true, seed: 21, transform: transform)
        #expect(try loader.batch(0, epoch: 2).inputs.isBitwiseEqual(reference[0].inputs))
        // The same sample gets the same augmentation in an epoch whatever its batch.
        let unshuffled = DataLoader(data, batchSize: 37, seed: 21, transform: transform)
        let all = try unshuffled.batch(0, epoch: 2)
        let i = reference[0].indices[0]
        #expect(all.inputs[i].isBitwiseEqual(reference[0].inputs[0]))
    }

    @Test func workersPrepareEveryBatchInOrder() {
        let data = TestCountingDataset(count: 100, delay: 100)
        let loader = DataLoader(data, batchSize: 7, shuffle: true, seed: 1, workers: 3, prefetch: 2)
        let got = loader.epoch(0).map(\.indices)
        #expect(got == loader.batchIndices(epoch: 0))
        #expect(data.samplesMade == 100)
    }

    @Test func abandoningAnEpochStopsTheWorkers() async throws {
        let data = TestCountingDataset(count: 400, delay: 200)
        let loader = DataLoader(data, batchSize: 4, workers: 3, prefetch: 2)
        var run: PrefetchRun?
        do {
            var it = loader.epoch(0).makeIterator()
            run = it.handle?.run
            _ = it.next()
            _ = it.next()
            #expect(run?.runningWorkers == 3)
        }
        // The iterator is gone: the workers finished the batch in hand and exited.
        #expect(run?.runningWorkers == 0)
        let made = data.samplesMade
        // At most the two batches taken, the 3 × 2 batches of the prefetch window and one in hand per worker.
        #expect(made <= 4 * (2 + 6 + 3), "made \(made) samples")
        try await Task.sleep(nanoseconds: 50_000_000)
        #expect(data.samplesMade == made, "no sample is made after the workers stopped")
        // The threads let go of the run once they have exited.
        weak let released = run
        run = nil
        for _ in 0..<100 where released != nil { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(released == nil)
    }

    @Test func variableLengthInputsAreAnErrorNamingTheSample() throws {
        let loader = DataLoader(TestRaggedDataset(count: 6), batchSize: 3)
        var it = loader.epoch(0).makeIterator()
        let e = DataTestFiles.descentError { _ = try it.nextBatch() }
        #expect(e?.kind == .shape)
        #expect(e?.location == "sample 1")
        #expect(e?.reason.contains("input has shape [1, 2] but sample 0 in the same batch has [1, 1]") == true)
        #expect(e?.reason.contains(".pad") == true)
        #expect(try it.nextBatch() == nil, "iteration ends after an error")
        // The same through workers.
        var threaded = DataLoader(TestRaggedDataset(count: 6), batchSize: 3, workers: 2).epoch(0).makeIterator()
        #expect(DataTestFiles.descentError { _ = try threaded.nextBatch() }?.location == "sample 1")
    }

    @Test func paddingCollationPadsToTheLongest() throws {
        let loader = DataLoader(TestRaggedDataset(count: 5), batchSize: 3, collation: .pad(value: -1))
        let b = try loader.batch(0, epoch: 0)
        #expect(b.inputs.shape == [3, 1, 3])
        #expect(b.inputs.scalars == [0, -1, -1, 10, 11, -1, 20, 21, 22])
        #expect(b.inputShapes == [[1, 1], [1, 2], [1, 3]])
        #expect(b.labels == [0, 1, 2])
        let zero = try DataLoader(TestRaggedDataset(count: 5), batchSize: 2, collation: .pad).batch(1, epoch: 0)
        #expect(zero.indices == [2, 3])
        #expect(zero.inputs.scalars == [20, 21, 22, 30, 0, 0])
    }

    @Test func paddingTwoDimensionalInputs() throws {
        let samples = [
            Sample(input: Tensor([1, 2, 3, 4], shape: [2, 2]), target: .classIndex(0)),
            Sample(input: Tensor([5, 6, 7], shape: [1, 3]), target: .classIndex(1)),
        ]
        let b = try Collation.pad.collate(samples, indices: [0, 1])
        #expect(b.inputs.shape == [2, 2, 3])
        #expect(b.inputs.scalars == [1, 2, 0, 3, 4, 0, 5, 6, 7, 0, 0, 0])
        let e = DataTestFiles.descentError {
            _ = try Collation.pad.collate(
                [samples[0], Sample(input: Tensor([1]), target: .classIndex(0))], indices: [4, 9])
        }
        #expect(e?.location == "sample 9")
    }

    @Test func customCollationIsUsed() throws {
        let sum = Collation.custom { samples, indices in
            Batch(
                inputs: Tensor([samples.map { $0.input.scalars.reduce(0, +) }.reduce(0, +)]), labels: nil, targets: nil,
                indices: indices)
        }
        let b = try DataLoader(TestRaggedDataset(count: 3), batchSize: 3, collation: sum).batch(0, epoch: 0)
        #expect(b.inputs.scalars == [0 + 10 + 11 + 20 + 21 + 22])
    }

    @Test func tensorTargetsAreStackedAndMixedTargetsRejected() throws {
        let ds = try TensorDataset(inputs: Tensor.zeros([4, 1]), labels: [0, 2, 1, 2]).oneHotTargets(classes: 3)
        let b = try DataLoader(ds, batchSize: 2).batch(1, epoch: 0)
        #expect(b.labels == nil)
        #expect(b.targets?.shape == [2, 3])
        #expect(b.targets?.scalars == [0, 1, 0, 0, 0, 1])
        let viaTransform = try DataLoader(
            TensorDataset(inputs: Tensor.zeros([4, 1]), labels: [0, 2, 1, 2]), batchSize: 2,
            transform: OneHot(classes: 3)
        ).batch(1, epoch: 0)
        #expect(viaTransform.targets == b.targets)
        let mixed = ConcatDataset([
            TensorDataset(inputs: Tensor.zeros([1, 1]), labels: [0]),
            TensorDataset(inputs: Tensor.zeros([1, 1]), targets: Tensor.zeros([1, 1])),
        ])
        let e = DataTestFiles.descentError { _ = try DataLoader(mixed, batchSize: 2).batch(0, epoch: 0) }
        #expect(e?.location == "sample 1")
        #expect(e?.reason == "has a tensor target but sample 0 in the same batch has a class target")
    }

    @Test func transformErrorsReachTheConsumer() throws {
        let loader = DataLoader(
            TensorDataset(inputs: Tensor.zeros([6, 1]), labels: [0, 1, 2, 3, 4, 5]), batchSize: 2,
            transform: OneHot(classes: 3), workers: 2)
        var it = loader.epoch(0).makeIterator()
        #expect(try it.nextBatch()?.count == 2)
        let e = DataTestFiles.descentError { _ = try it.nextBatch() }
        #expect(e?.reason == "class 3 is outside 0..<3")
        #expect(try it.nextBatch() == nil)
    }
}
