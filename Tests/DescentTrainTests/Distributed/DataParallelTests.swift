import Foundation
import Testing

@testable import Descent
@testable import DescentData
@testable import DescentTrain

/// Runs `body` with `Backend.threads` 1 (ranks on threads share the backend's thread pool).
private func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
    let saved = Backend.threads
    Backend.threads = 1
    defer { Backend.threads = saved }
    return try body()
}

@Suite struct DataShardTests {
    @Test func slicesAreDisjointCoverTheBatchInOrderAndDifferByAtMostOne() {
        for count in 1...5 {
            for n in 0...70 {
                let batch = Array((0..<n).map { 1000 + 3 * $0 })
                let slices = (0..<count).map { DataShard(rank: $0, count: count).slice(batch) }
                #expect(Array(slices.joined()) == batch, "n \(n), \(count) ranks")
                let sizes = slices.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1)
                #expect(sizes == sizes.sorted(by: >))  // the larger slices go to the first ranks: rank 0 is never empty
            }
        }
    }

    @Test func shardedLoaderKeepsTheGlobalOrderAndGivesEmptyBatches() throws {
        let data = blobs(count: 45, seed: 1)
        let loader = DataLoader(data, batchSize: 16, shuffle: true, seed: 4)
        let shards = (0..<4).map { loader.sharded(DataShard(rank: $0, count: 4)) }
        for epoch in 0..<2 {
            let global = loader.batchIndices(epoch: epoch)
            #expect(shards.allSatisfy { $0.batchesPerEpoch == loader.batchesPerEpoch })
            for (k, batch) in global.enumerated() {
                #expect(Array(shards.map { $0.batchIndices(epoch: epoch)[k] }.joined()) == batch)
            }
        }
        // The last batch has 13 samples: 4, 3, 3, 3. With 20 ranks, rank 19 gets none of it.
        let lastOf19 = loader.sharded(DataShard(rank: 19, count: 20))
        let last = try lastOf19.batch(2, epoch: 0)
        #expect(last.count == 0 && last.indices.isEmpty)
        // A shard's batch is the one-process batch's rows (the same transforms, keyed by sample and epoch).
        let whole = try loader.batch(1, epoch: 1)
        let part = try shards[1].batch(1, epoch: 1)
        #expect(part.indices == Array(whole.indices[4..<8]))
        #expect(part.inputs.scalars == Array(whole.inputs.scalars[8..<16]))
    }
}

@Suite struct GradientBucketTests {
    @Test func bucketsHoldEveryParameterOnceInReverseOrderUnderTheCap() {
        let counts = [100, 3, 50, 2000, 7, 7, 0, 64, 900]
        for cap in [4, 40, 400, 4000, 1 << 20] {
            let plan = GradientBuckets(counts: counts, capBytes: cap)
            let order = plan.buckets.flatMap(\.parameters)
            #expect(order == Array(counts.indices.reversed()))
            for bucket in plan.buckets {
                #expect(bucket.count == bucket.parameters.reduce(0) { $0 + counts[$1] })
                #expect(
                    bucket.offsets
                        == bucket.parameters.indices.map { k in
                            bucket.parameters[..<k].reduce(0) { $0 + counts[$1] }
                        })
                #expect(bucket.count * 4 <= cap || bucket.parameters.count == 1)
            }
        }
        #expect(GradientBuckets(counts: counts, capBytes: 1 << 20).buckets.count == 1)
    }
}

@Suite struct DataParallelTests {
    /// The one-process gradient of the mean loss on `indices` and each rank's sample-weighted average agree,
    /// also for an uneven split with an empty rank.
    @Test func weightedAverageOfAnUnevenBatchIsTheOneProcessMean() throws {
        try singleThreaded {
            let data = blobs(count: 7, seed: 3)
            let reference = Models.mlp([2, 5, 3], generator: RandomGenerator(seed: 2))
            let whole = try DataLoader(data, batchSize: 7).batch(0, epoch: 0)
            let loss = Objective.crossEntropy().loss(reference(whole.inputs), whole)
            loss.backward()
            let expected = reference.parameters().map { $0.grad!.scalars }
            let ranks = ThreadRanks(size: 3)
            // 7 samples over 3 ranks would be 3/2/2; ask for 4/3/0 to test an empty rank and uneven weights.
            let split = [Array(0..<4), Array(4..<7), [Int]()]
            let results = try ranks.run { context -> ([[Float]], Int, Float) in
                let model = Models.mlp([2, 5, 3], generator: RandomGenerator(seed: 2))
                let batch = try DataLoader(data, batchSize: 7).makeBatch(indices: split[context.rank], epoch: 0)
                var localLoss: Float = 0
                if batch.count > 0 {
                    let loss = Objective.crossEntropy().loss(model(batch.inputs), batch)
                    localLoss = loss.item
                    loss.backward()
                }
                let dp = DataParallel(context, bucketBytes: 64)
                let (samples, mean) = try dp.averageGradients(
                    model.parameters(), samples: batch.count, loss: localLoss)
                return (model.parameters().map { $0.grad!.scalars }, samples, mean)
            }
            for (grads, samples, mean) in results {
                #expect(samples == 7)
                #expect(abs(mean - loss.item) < 1e-6)
                for (g, e) in zip(grads, expected) {
                    #expect(zip(g, e).allSatisfy { abs($0 - $1) < 1e-6 })
                }
            }
            #expect(results[1].0 == results[0].0 && results[2].0 == results[0].0)
        }
    }

    /// N ranks of `fit` (different initial weights, broadcast from rank 0) end where one process ends, with the
    /// same history and evaluation: 3 ranks split the last batch of 4 as 2/1/1, 5 ranks leave rank 4 without
    /// samples in it; small buckets start during backward.
    @Test(arguments: [3, 5]) func ranksTrainLikeOneProcess(size: Int) throws {
        try singleThreaded {
            let train = DataLoader(blobs(count: 100, seed: 2), batchSize: 16, shuffle: true, seed: 3)
            let validation = DataLoader(blobs(count: 31, seed: 4), batchSize: 8)
            func trainer(seed: UInt64) -> Trainer {
                let model = Models.mlp([2, 8, 3], generator: RandomGenerator(seed: seed))
                let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 0.02))
                trainer.callbacks = [GradientClipping(maxNorm: 0.5)]
                return trainer
            }
            let one = trainer(seed: 5)
            let history = try one.fit(train, validation: validation, epochs: 3)
            let test = try one.evaluate(validation)
            let ranks = ThreadRanks(size: size)
            let models = (0..<size).map { trainer(seed: 5 + UInt64($0)) }
            let results = try ranks.run { context -> (History, Evaluation) in
                let t = models[context.rank]
                t.distributed = DataParallel(context, bucketBytes: 100, checkEvery: 2)
                let h = try t.fit(train, validation: validation, epochs: 3)
                return (h, try t.evaluate(validation))
            }
            for (r, (h, e)) in results.enumerated() {
                for (p, q) in zip(models[r].model.parameters(), one.model.parameters()) {
                    #expect(zip(p.scalars, q.scalars).allSatisfy { abs($0 - $1) < 1e-5 }, "rank \(r)")
                }
                #expect(h.epochs.count == 3)
                for (a, b) in zip(h.epochs, history.epochs) {
                    #expect(abs(a.trainLoss - b.trainLoss) < 1e-5)
                    #expect(a.trainAccuracy == b.trainAccuracy)
                    #expect(abs(a.validationLoss! - b.validationLoss!) < 1e-5)
                    #expect(a.validationAccuracy == b.validationAccuracy)
                }
                #expect(abs(e.loss - test.loss) < 1e-5 && e.samples == 31)
                #expect(e.classification!.confusion == test.classification!.confusion)
            }
            #expect(models.allSatisfy { $0.step == one.step })
            // Every rank keeps the same progress (up to timings), so rank 0's checkpoint serves any number of ranks.
            #expect(Set(models.map { $0.history.epochs.map(\.trainLoss) }).count == 1)
        }
    }

    @Test func replicaCheckNamesTheRankThatDiffers() throws {
        try singleThreaded {
            let ranks = ThreadRanks(size: 3)
            let errors = try ranks.run { context -> String? in
                let model = Models.mlp([2, 4, 3], generator: RandomGenerator(seed: 1))
                let optimizer = SGD(model.parameters(), lr: 0.1)
                let dp = DataParallel(context)
                try dp.verifyReplicas(model: model, optimizer: optimizer, step: 1)
                if context.rank == 2 { model.parameters()[0].withSharedStorage { $0[3] += 1e-6 } }
                do {
                    try dp.verifyReplicas(model: model, optimizer: optimizer, step: 2)
                    return nil
                } catch let error as DescentError {
                    return "\(error.kind) \(error.location): \(error.reason)"
                }
            }
            for e in errors {
                #expect(
                    e?.hasPrefix("distributed rank 2: weights or optimizer state differ from rank 0's after step 2")
                        == true)
            }
        }
    }

    @Test func broadcastCopiesRankZerosWeightsAndBuffers() throws {
        try singleThreaded {
            let ranks = ThreadRanks(size: 2)
            let states = try ranks.run { context -> [[Float]] in
                let model = Sequential([
                    Linear(2, 3, generator: RandomGenerator(seed: UInt64(context.rank))), BatchNorm1d(3),
                ])
                if context.rank == 1 { model.namedBuffers()[0].1.withSharedStorage { $0[0] = 42 } }
                try DataParallel(context).broadcastState(of: model)
                return model.stateEntries().map(\.tensor.scalars)
            }
            #expect(states[0] == states[1])
            #expect(!states[1].joined().contains(42))
        }
    }
}

@Suite struct GradientReadyHookTests {
    /// Backward reports every parameter once, last layer first, when its gradient is already the final one.
    @Test func reportsEachLeafOnceWithItsFinalGradient() throws {
        let model = Models.mlp([3, 4, 4, 2], generator: RandomGenerator(seed: 1))
        let parameters = model.parameters()
        let ids = parameters.map { $0.gradientIdentity! }
        var seen: [(Int, [Float])] = []
        let hook = GradientReadyHook { id in
            let p = ids.firstIndex(of: id)!
            seen.append((p, parameters[p].grad!.scalars))
        }
        let x = RandomGenerator(seed: 2).normal([5, 3])
        // The first layer's weight is used twice, so its gradient is final only after both uses.
        let shared = model(x).sum() + (x.matmul(parameters[0].transposed(0, 1))).sum()
        GradientReadyHook.$current.withValue(hook) { shared.backward() }
        #expect(seen.map(\.0).sorted() == Array(parameters.indices))
        #expect(seen.first!.0 >= 4)  // the output layer's parameters come first
        for (p, values) in seen { #expect(values == parameters[p].grad!.scalars) }
    }
}

@Suite struct DataParallelEvaluationTests {
    /// Regression figures (loss, MAE, RMSE, R²) of shards summed over 4 ranks equal the one-process figures,
    /// with an uneven last batch (23 = 8 + 8 + 7, the 7 split 2/2/2/1).
    @Test func shardedRegressionEvaluationEqualsOneProcess() throws {
        try singleThreaded {
            let g = RandomGenerator(seed: 8)
            let data = TensorDataset(inputs: g.normal([23, 3]), targets: g.normal([23, 2]))
            let model = Models.mlp([3, 6, 2], generator: RandomGenerator(seed: 9))
            let loader = DataLoader(data, batchSize: 8)
            let one = try evaluate(model: model, data: loader, objective: .meanSquaredError)
            let ranks = ThreadRanks(size: 4)
            let all = try ranks.run { context -> Evaluation in
                let dp = DataParallel(context)
                let replica = Models.mlp([3, 6, 2], generator: RandomGenerator(seed: 9))  // the same weights
                let local = try evaluate(
                    model: replica, data: loader.sharded(dp.shard), objective: .meanSquaredError)
                return try dp.reduce(local)
            }
            for e in all {
                #expect(e.samples == 23 && e.classification == nil)
                #expect(abs(e.loss - one.loss) < 1e-6)
                let r = try #require(e.regression), s = try #require(one.regression)
                #expect(r.count == s.count)
                #expect(abs(r.mae - s.mae) < 1e-6 && abs(r.rmse - s.rmse) < 1e-6 && abs(r.r2 - s.r2) < 1e-6)
            }
        }
    }

    /// A language model's token figures (tokens, perplexity, token accuracy) of shards summed over 3 ranks equal
    /// the one-process figures (11 windows in batches of 4, the last 3 split 1/1/1).
    @Test func shardedLanguageModelEvaluationEqualsOneProcess() throws {
        try singleThreaded {
            let ids = (0..<100).map { ($0 * 7 + $0 / 5) % 9 + 4 }
            let loader = DataLoader(LanguageModelDataset(ids: ids, sequenceLength: 9), batchSize: 4)
            func model() -> RNNLanguageModel {
                RNNLanguageModel(
                    vocabularySize: 13, embeddingDim: 4, hiddenSize: 5, generator: RandomGenerator(seed: 2))
            }
            let objective = Objective.tokenCrossEntropy(ignoreIndex: 0)
            let one = try evaluate(model: model(), data: loader, objective: objective)
            let all = try ThreadRanks(size: 3).run { context -> Evaluation in
                let dp = DataParallel(context)
                return try dp.reduce(
                    try evaluate(model: model(), data: loader.sharded(dp.shard), objective: objective))
            }
            let s = try #require(one.sequence)
            #expect(s.tokens == 99)
            for e in all {
                let r = try #require(e.sequence)
                #expect(e.samples == 11 && e.classification == nil && e.regression == nil)
                #expect(r.tokens == 99 && r.correct == s.correct)
                #expect(abs(r.perplexity - s.perplexity) < 1e-6 * s.perplexity && abs(e.loss - one.loss) < 1e-6)
            }
        }
    }
}
