import ArgumentParser
import Descent
import DescentData
import Foundation

/// `descent shard`: an image folder (or list) written as tar shards in WebDataset's layout, what
/// `data.dataset: shards` reads.
struct ShardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract:
            "Write an image folder (or a path,label list) as tar shards (OUTPUT/shard-000000.tar, … with KEY.jpg|png|webp and KEY.cls members, and classes.txt), the layout data.dataset: shards reads."
    )

    @Argument(help: "Image folder (one sub-folder per class) or list file (.csv, .tsv, .json, .jsonl).")
    var input: String

    @Option(help: "Folder to write (created; must not exist or be empty).")
    var output: String

    @Option(help: "Samples per shard.")
    var samplesPerShard: Int = 1_000

    @Option(help: "Seed of the order the samples are written in (shuffled, so that each shard mixes the classes).")
    var seed: UInt64 = 0

    func validate() throws {
        guard samplesPerShard >= 1 else {
            throw ValidationError("--samples-per-shard must be at least 1, got \(samplesPerShard)")
        }
    }

    func run() throws {
        let url = URL(fileURLWithPath: input)
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
        let start = Date()
        // Every file is decoded once here, so that no shard holds an image that cannot be read.
        let images =
            exists && !isFolder.boolValue && ImageList.extensions.contains(url.pathExtension.lowercased())
            ? try ImageFolder(list: url, threads: max(2, ProcessInfo.processInfo.activeProcessorCount))
            : try ImageFolder(root: url, threads: max(2, ProcessInfo.processInfo.activeProcessorCount))
        let written = try ImageShardWriter.write(
            images, to: URL(fileURLWithPath: output), samplesPerShard: samplesPerShard, seed: seed)
        print(
            String(
                format: "descent shard: %d images of %d classes in %d shards in %@ (%.1f s)", images.count,
                images.classes.count, written.shards, output, Date().timeIntervalSince(start)))
    }
}
