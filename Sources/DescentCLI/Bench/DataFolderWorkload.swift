import Descent
import DescentData
import Foundation

/// `data-folder`: one shuffled epoch of an image folder decoded and augmented on loader workers, as torchvision's
/// `ImageFolder` + `DataLoader` do (`scripts/bench-data-torchvision.py` runs the same on the same files): 224×224
/// JPEGs with a random horizontal flip and a random 224 crop after 4-pixel padding, then 32×32 PNGs with the same at
/// 32; batches of 64, `workers` loader threads. The folder is `folder` (its `jpeg/` and `png/` class folders), or one
/// generated into a temporary folder (`generate(into:)`). Reports images per second of each and the process's peak
/// RSS.
enum DataFolderWorkload {
    /// 1,024 JPEGs of 224×224 and 4,096 PNGs of 32×32, 4 classes each, smooth gradients plus 8×8 blocks of noise
    /// (so that the files compress as photos do, not as flat colour), seeded.
    static func generate(into root: URL) throws {
        let noise = RandomGenerator(seed: 21)
        for (kind, side, count) in [("jpeg", 224, 1_024), ("png", 32, 4_096)] {
            for i in 0..<count {
                let c = i % 4
                let folder = root.appendingPathComponent("\(kind)/class\(c)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let blocks = (side + 7) / 8
                let n = (0..<(blocks * blocks * 3)).map { _ in noise.integer(in: 0..<24) }
                var pixels = [UInt8](repeating: 0, count: side * side * 3)
                for y in 0..<side {
                    for x in 0..<side {
                        let b = ((y / 8) * blocks + x / 8) * 3
                        let p = (y * side + x) * 3
                        pixels[p] = UInt8((x * (c + 1) / 2 + i) % 232 + n[b])
                        pixels[p + 1] = UInt8((y * (c + 2) / 3) % 232 + n[b + 1])
                        pixels[p + 2] = UInt8(((x + y) / (c + 1)) % 232 + n[b + 2])
                    }
                }
                let bytes =
                    kind == "jpeg"
                    ? JPEGEncoder.encode(width: side, height: side, channels: 3, pixels: pixels, quality: 90)
                    : PNGEncoder.encode(width: side, height: side, channels: 3, pixels: pixels)
                try bytes.write(
                    to: folder.appendingPathComponent(String(format: "%05d.\(kind == "jpeg" ? "jpg" : "png")", i)))
            }
        }
    }

    static func run(folder: String?, workers: Int, batch: Int = 64) throws -> BenchResult {
        let root: URL
        var generated: URL?
        if let folder {
            root = URL(fileURLWithPath: folder)
        } else {
            root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "descent-bench-data-\(UUID().uuidString)")
            generated = root
            try generate(into: root)
        }
        defer { if let generated { try? FileManager.default.removeItem(at: generated) } }
        var fields: [(String, Any)] = []
        for (kind, side) in [("jpeg", 224), ("png", 32)] {
            var images: ImageFolder?
            let check = measureSeconds {
                images = try? ImageFolder(root: root.appendingPathComponent(kind), threads: max(2, workers))
            }
            guard let images else {
                throw DescentError(.file, root.appendingPathComponent(kind).path, "cannot be read as an image folder")
            }
            let augment = Compose(RandomHorizontalFlip(), RandomCrop(size: side, padding: 4))
            let loader = DataLoader(
                images, batchSize: .size(batch), shuffle: true, seed: 0, transform: augment, workers: workers)
            var seen = 0
            var failure: Error?
            let dt = measureSeconds {
                var it = loader.epoch(0).makeIterator()
                do {
                    while let b = try it.nextBatch() { seen += b.count }
                } catch { failure = error }
            }
            if let failure { throw failure }
            fields += [
                ("\(kind)_images", images.count), ("\(kind)_side", side),
                ("\(kind)_images_per_s", Double(seen) / dt), ("\(kind)_check_s", check),
            ]
        }
        fields += [("batch", batch), ("workers", workers), ("folder", folder ?? "generated")]
        return BenchResult(workload: "data-folder", fields: fields)
    }
}
