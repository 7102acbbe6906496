import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// `ImageShards` and `ImageShardWriter`: an image folder written as tar shards and read back, WebDataset's shuffled
/// order, batches split over loader workers and data-parallel ranks, resuming part-way through an epoch.
@Suite struct ImageShardsTests {
    /// 30 PNGs of 6×5 (3 classes `a`, `b`, `c`), each with distinct pixels, under a new folder's `images/`, written
    /// as shards of 7 samples into `shards/` (5 shards); the folder, the image folder and the writer's order.
    static func make() throws -> (URL, ImageFolder, [Int]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)")
        for i in 0..<30 {
            let dir = folder.appendingPathComponent("images/\(["a", "b", "c"][i % 3])")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let pixels = (0..<(6 * 5 * 3)).map { UInt8(($0 * 7 + i * 31) % 256) }
            try PNGEncoder.encode(width: 6, height: 5, channels: 3, pixels: pixels)
                .write(to: dir.appendingPathComponent(String(format: "%02d.png", i)))
        }
        let images = try ImageFolder(root: folder.appendingPathComponent("images"))
        let written = try ImageShardWriter.write(
            images, to: folder.appendingPathComponent("shards"), samplesPerShard: 7, seed: 4)
        #expect(written.shards == 5)
        return (folder, images, written.order)
    }

    @Test func shardsReadBackTheImagesAndClasses() throws {
        let (folder, images, order) = try Self.make()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shards = try ImageShards(folder: folder.appendingPathComponent("shards"))
        #expect(shards.shards.map(\.lastPathComponent) == (0..<5).map { String(format: "shard-%06d.tar", $0) })
        #expect(shards.count == 30 && shards.shardStarts == [0, 7, 14, 21, 28, 30])
        #expect(shards.classes == ["a", "b", "c"] && shards.sampleShape == [3, 5, 6])
        #expect(shards.entries[0].name == "000000.png" && shards.entries[29].name == "000029.png")
        #expect(Set(order) == Set(0..<30) && order != Array(0..<30))
        for k in 0..<30 {
            let original = try images.loadSample(at: order[k]), read = try shards.loadSample(at: k)
            #expect(read.input.scalars == original.input.scalars && read.target == original.target)
        }
        let grey = try ImageShards(folder: folder.appendingPathComponent("shards"), channels: 1, size: (3, 4))
        #expect(grey.sampleShape == [1, 3, 4])
        #expect(try grey.loadSample(at: 3).input.shape == [1, 3, 4])
    }

    @Test func theShuffledOrderStreamsShardsThroughABuffer() throws {
        let (folder, _, _) = try Self.make()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("shards")
        let buffered = try ImageShards(folder: url, shuffleBuffer: 4)
        let order = buffered.shuffledOrder(seed: 1, epoch: 0)
        #expect(order.sorted() == Array(0..<30))
        #expect(order == buffered.shuffledOrder(seed: 1, epoch: 0))
        #expect(
            order != buffered.shuffledOrder(seed: 1, epoch: 1) && order != buffered.shuffledOrder(seed: 2, epoch: 0))
        // A buffer of 4: the k-th sample out is among the first k + 4 of the stream (the shards in their order).
        // (The shards' order is the generator's first draw.)
        let shardOrder = SampleRandomness.shuffleGenerator(seed: 1, epoch: 0).permutation(5)
        let stream = shardOrder.flatMap { Array(buffered.shardStarts[$0]..<buffered.shardStarts[$0 + 1]) }
        for (k, i) in order.enumerated() { #expect(stream.firstIndex(of: i)! < k + 4) }
        // Without a buffer each shard is read whole, in archive order, the shards permuted.
        let plain = try ImageShards(folder: url, shuffleBuffer: 0).shuffledOrder(seed: 1, epoch: 0)
        #expect(plain == stream && plain != Array(0..<30))
    }

    @Test func batchesAreTheSameForAnyWorkersRanksAndResume() throws {
        let (folder, _, _) = try Self.make()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shards = try ImageShards(folder: folder.appendingPathComponent("shards"), shuffleBuffer: 5)
        func loader(_ workers: Int) -> DataLoader {
            DataLoader(AnyDataset(shards), batchSize: 4, shuffle: true, seed: 9, workers: workers)
        }
        #expect(loader(0).order(epoch: 2) == shards.shuffledOrder(seed: 9, epoch: 2))
        let serial = try Self.batches(loader(0), epoch: 2)
        #expect(serial.count == 8)
        for workers in [1, 3] {
            let parallel = try Self.batches(loader(workers), epoch: 2)
            #expect(parallel.map(\.indices) == serial.map(\.indices))
            #expect(parallel.map(\.inputs.scalars) == serial.map(\.inputs.scalars))
        }
        // Three ranks: disjoint slices of every batch that together are the batch, in order.
        let ranks = try (0..<3).map { r in try Self.batches(loader(2).sharded(DataShard(rank: r, count: 3)), epoch: 2) }
        for k in 0..<serial.count {
            #expect(ranks.flatMap { $0[k].indices } == serial[k].indices)
            #expect(ranks.flatMap { $0[k].indices.isEmpty ? [] : $0[k].inputs.scalars } == serial[k].inputs.scalars)
        }
        // Resuming at batch 3 gives the remaining batches bit for bit.
        var it = loader(2).epoch(2, from: 3).makeIterator()
        var resumed = [Batch]()
        while let b = try it.nextBatch() { resumed.append(b) }
        #expect(resumed.map(\.indices) == serial.dropFirst(3).map(\.indices))
        #expect(resumed.map(\.inputs.scalars) == serial.dropFirst(3).map(\.inputs.scalars))
    }

    static func batches(_ loader: DataLoader, epoch: Int) throws -> [Batch] {
        var it = loader.epoch(epoch).makeIterator()
        var out = [Batch]()
        while let b = try it.nextBatch() { out.append(b) }
        return out
    }

    @Test func badShardsAreNamed() throws {
        let (folder, _, _) = try Self.make()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("shards")
        func error(_ make: () throws -> Void) -> String {
            do {
                try make()
                return "no error"
            } catch let e as DescentError {
                return e.description.replacingOccurrences(of: url.path, with: "S")
            } catch { return "\(error)" }
        }
        let shard = url.appendingPathComponent("shard-000001.tar")
        let bytes = try Data(contentsOf: shard)
        let first = try #require(try TarStream.members(of: shard).first).range
        // A sample whose class file is missing.
        let tar = try TarWriter(creating: shard)
        try tar.add("x.png", bytes[512..<(512 + 200)])
        try tar.finish()
        #expect(
            error { _ = try ImageShards(folder: url) }
                == #"S/shard-000001.tar: sample "x" (x.png) has no .cls member (its class)"#)
        let bad = try TarWriter(creating: shard)
        try bad.add("y.cls", Data("7\n".utf8))
        try bad.add("y.jpg", bytes[512..<600])
        try bad.finish()
        #expect(
            error { _ = try ImageShards(folder: url) }
                == #"S/shard-000001.tar:y.cls: "7" is not a class index (classes.txt names 3 classes)"#)
        try bytes.prefix(first.lowerBound + first.count / 2).write(to: shard)
        #expect(
            error { _ = try ImageShards(folder: url) }
                .hasPrefix("S/shard-000001.tar: truncated tar archive: entry \"000007.png\" declares"))
        try bytes.prefix(1024 + 100).write(to: shard)
        #expect(
            error { _ = try ImageShards(folder: url) }
                == "S/shard-000001.tar: truncated tar archive: it ends 100 bytes into the header at byte 1024")
        var flipped = bytes
        flipped[1024 + 20] ^= 0xFF
        try flipped.write(to: shard)
        #expect(
            error { _ = try ImageShards(folder: url) }
                == "S/shard-000001.tar: not a tar archive, or corrupt: header at byte 1024 has a bad checksum")
        // A member whose image bytes are damaged is named when its sample is loaded.
        var damaged = bytes
        for i in (first.lowerBound + 40)..<first.upperBound { damaged[i] = 0 }
        try damaged.write(to: shard)
        let shards = try ImageShards(folder: url)
        #expect(error { _ = try shards.loadSample(at: 7) }.hasPrefix("S/shard-000001.tar:000007.png: "))
        #expect(
            error { _ = try ImageShards(folder: folder) }
                == "\(folder.path): has no .tar shards (write them with descent shard FOLDER --output DIR)")
        #expect(
            error {
                try ImageShardWriter.write(
                    try ImageFolder(root: folder.appendingPathComponent("images")), to: url, samplesPerShard: 5, seed: 0
                )
            }
                == "S: is not empty (shards are written only into a new or empty folder)")
    }
}
