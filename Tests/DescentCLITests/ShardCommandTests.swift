import Descent
import DescentData
import Foundation
import Testing

/// `descent shard`: an image folder or list written as tar shards that `ImageShards` reads back.
@Suite struct ShardCommandTests {
    @Test func writesShardsThatReadBack() throws {
        let folder = TemporaryFolder.make("shard")
        for i in 0..<10 {
            let dir = folder.appendingPathComponent("images/\(i % 2 == 0 ? "even" : "odd")")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try PNGEncoder.encode(width: 3, height: 2, channels: 1, pixels: (0..<6).map { UInt8($0 * 40 + i) })
                .write(to: dir.appendingPathComponent("\(i).png"))
        }
        #expect(
            CommandOutcome.of(
                ["shard", "$TMP/images", "--output", "$TMP/out", "--samples-per-shard", "4"], inFolder: folder)
                == .success)
        let shards = try ImageShards(folder: folder.appendingPathComponent("out"), channels: 1)
        #expect(shards.shards.count == 3 && shards.count == 10 && shards.classes == ["even", "odd"])
        // Each sample's pixels are those of an image of its class (the last pixel's value is 200 + the file's number).
        for k in 0..<10 {
            let sample = try shards.loadSample(at: k)
            let i = Int((sample.input.scalars[5] * 255).rounded()) - 200
            #expect(sample.target.classIndex == i % 2)
        }
        // A list file works too.
        try Data("images/even/0.png,a\nimages/odd/1.png,b\n".utf8).write(to: folder.appendingPathComponent("l.csv"))
        #expect(CommandOutcome.of(["shard", "$TMP/l.csv", "--output", "$TMP/fromlist"], inFolder: folder) == .success)
        #expect(try ImageShards(folder: folder.appendingPathComponent("fromlist")).classes == ["a", "b"])
        #expect(
            CommandOutcome.of(["shard", "$TMP/images", "--output", "$TMP/out"], inFolder: folder)
                == .failure("$TMP/out: is not empty (shards are written only into a new or empty folder)")
                .inFolder(folder))
        #expect(
            CommandOutcome.of(["shard", "$TMP/missing", "--output", "$TMP/x"], inFolder: folder)
                == .failure("$TMP/missing: no such folder (expected one sub-folder of images per class)")
                .inFolder(folder))
        #expect(
            CommandOutcome.of(
                ["shard", "$TMP/images", "--output", "$TMP/x", "--samples-per-shard", "0"], inFolder: folder)
                == .usage("--samples-per-shard must be at least 1, got 0"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
    }
}
