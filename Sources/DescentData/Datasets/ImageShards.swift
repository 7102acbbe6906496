import Descent
import Foundation

/// Images stored in tar shards in WebDataset's layout: `shard-000000.tar`, `shard-000001.tar`, … in one folder,
/// each holding samples as members `KEY.jpg|jpeg|png|webp` and `KEY.cls` (the class index as decimal text), and
/// `classes.txt` beside them naming the classes one per line (without it the classes are `0` … the largest index).
/// `descent shard` writes them from an image folder (``ImageShardWriter``).
///
/// Only the members' headers are read when the dataset is made (an index of a few dozen bytes per sample, plus
/// each tiny `.cls`); an image is read from its shard (one positioned read of its bytes) and decoded when its
/// sample is loaded, on the loader's worker threads, so memory holds only the batches in flight. Samples become
/// tensors as ``ImageFolder``'s do (channels, resize).
///
/// A shuffling ``DataLoader`` visits the samples in WebDataset's order rather than in a uniform permutation
/// (``shuffledOrder(seed:epoch:)``): the shards in a random order, their samples streamed in archive order through
/// a shuffle buffer of ``shuffleBuffer`` samples — so the reads of an epoch move forward through one shard at a
/// time (within a window of the buffer). The order is computed from (seed, epoch) alone, so batches are the same for
/// any number of loader workers, data-parallel ranks take disjoint slices of each batch (``DataShard``), and a run
/// resumed part-way through an epoch continues with the very same batches.
public struct ImageShards: Dataset, EpochOrdering {
    /// One sample: its shard, image member and class.
    public struct Entry: Sendable, Equatable {
        /// Index in ``shards``.
        public let shard: Int
        /// The image member's name.
        public let name: String
        /// The image's bytes in the shard file.
        public let range: Range<Int>
        /// The class index.
        public let label: Int
    }

    /// The shard files, sorted by name.
    public let shards: [URL]
    /// The samples, shard after shard, each shard's in archive order.
    public let entries: [Entry]
    /// The index in ``entries`` of each shard's first sample, and the count at the end.
    public let shardStarts: [Int]
    /// The class names (`classes.txt`, or the indices).
    public let classes: [String]
    /// Channels of every sample: 1 or 3.
    public let channels: Int
    /// The `(height, width)` every image is resized to; `nil`: every image has the first one's size.
    public let size: (height: Int, width: Int)?
    /// Samples in the shuffle buffer (WebDataset's `shuffle(n)`); 0 or 1: only the shards' order is shuffled.
    public let shuffleBuffer: Int
    /// `[channels, height, width]`.
    public let sampleShape: [Int]

    /// The image extensions of sample members.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp"]

    /// The shards `shard-*.tar` (any `*.tar`) in `folder`.
    ///
    /// - Throws: ``DescentError`` naming the folder when it has no `.tar` files, the shard with a bad header or
    ///   a sample without image or `.cls`, the member whose `.cls` is not a class index (or not one of
    ///   `classes.txt`'s), or the first image when it cannot be decoded (its size is needed without `size`).
    public init(
        folder: URL, channels: Int = 3, size: (height: Int, width: Int)? = nil, shuffleBuffer: Int = 1_000
    ) throws {
        precondition(channels == 1 || channels == 3, "ImageShards: channels must be 1 or 3, got \(channels)")
        precondition(shuffleBuffer >= 0, "ImageShards: shuffleBuffer must be non-negative")
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DescentError(.file, folder.path, "no such folder (expected tar shards, as descent shard writes)")
        }
        let shards = try fm.contentsOfDirectory(atPath: folder.path).filter { $0.lowercased().hasSuffix(".tar") }
            .sorted().map { folder.appendingPathComponent($0) }
        guard !shards.isEmpty else {
            throw DescentError(
                .file, folder.path, "has no .tar shards (write them with descent shard FOLDER --output DIR)")
        }
        var names: [String]?
        let classFile = folder.appendingPathComponent("classes.txt")
        if fm.fileExists(atPath: classFile.path) {
            let lines = String(decoding: try FileBytes.read(classFile), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            names = Array(lines.reversed().drop { $0.isEmpty }.reversed())
            if let blank = names!.firstIndex(of: "") {
                throw DescentError(.file, "\(classFile.path):\(blank + 1)", "empty class name")
            }
        }
        var entries = [Entry](), starts = [Int]()
        for (s, shard) in shards.enumerated() {
            starts.append(entries.count)
            var images = [String: (String, Range<Int>)](), labels = [String: Int](), order = [String]()
            for m in try TarStream.members(of: shard) {
                let base = (m.name as NSString).lastPathComponent
                guard let dot = base.firstIndex(of: ".") else { continue }
                let key = String(m.name.dropLast(base.distance(from: dot, to: base.endIndex)))
                let ext = base[base.index(after: dot)...].lowercased()
                if Self.imageExtensions.contains(ext) {
                    if images[key] != nil {
                        throw DescentError(.file, shard.path, "sample \"\(key)\" has two images (\(m.name))")
                    }
                    if labels[key] == nil { order.append(key) }
                    images[key] = (m.name, m.range)
                } else if ext == "cls" {
                    let text = String(decoding: try TarStream.read(m.range.prefix(32), from: shard), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    guard let k = Int(text), k >= 0, k < (names?.count ?? CSVTable.classIndexLimit) else {
                        throw DescentError(
                            .file, "\(shard.path):\(m.name)",
                            "\"\(text)\" is not a class index"
                                + (names.map { " (classes.txt names \($0.count) classes)" }
                                    ?? " (a non-negative integer)"))
                    }
                    if images[key] == nil { order.append(key) }
                    labels[key] = k
                }
            }
            for key in order {
                guard let (name, range) = images[key] else {
                    throw DescentError(
                        .file, shard.path, "sample \"\(key)\" has a .cls but no image (.jpg, .png, .webp)")
                }
                guard let label = labels[key] else {
                    throw DescentError(.file, shard.path, "sample \"\(key)\" (\(name)) has no .cls member (its class)")
                }
                entries.append(Entry(shard: s, name: name, range: range, label: label))
            }
        }
        starts.append(entries.count)
        guard let first = entries.first else {
            throw DescentError(.file, folder.path, "its \(shards.count) shards hold no samples (KEY.jpg and KEY.cls)")
        }
        self.shards = shards
        self.entries = entries
        self.shardStarts = starts
        self.classes = names ?? (0...entries.map(\.label).max()!).map(String.init)
        self.channels = channels
        self.size = size
        self.shuffleBuffer = shuffleBuffer
        if let size {
            sampleShape = [channels, size.height, size.width]
        } else {
            let image = try ImageFile.decode(
                TarStream.read(first.range, from: shards[first.shard]),
                path: "\(shards[first.shard].path):\(first.name)")
            sampleShape = [channels, image.height, image.width]
        }
    }

    /// Number of samples.
    public var count: Int { entries.count }

    /// The class of sample `index` (without reading the image).
    public func label(at index: Int) -> Int? { entries[index].label }

    /// Sample `index`: its image read from the shard, decoded, converted and resized.
    ///
    /// - Throws: ``DescentError`` naming `shard:member` when the image cannot be read or decoded, or has another
    ///   size than the first without a `size`.
    public func loadSample(at index: Int) throws -> Sample {
        let e = entries[index]
        let place = "\(shards[e.shard].path):\(e.name)"
        let image = try ImageFile.decode(TarStream.read(e.range, from: shards[e.shard]), path: place)
        var x = Tensor(ImageFolder.planes(image, channels: channels), shape: [channels, image.height, image.width])
        if let size {
            x = try Resize.resize(x, height: size.height, width: size.width)
        } else if [image.height, image.width] != Array(sampleShape.dropFirst()) {
            throw DescentError(
                .file, place,
                "is \(image.width)×\(image.height), the others \(sampleShape[2])×\(sampleShape[1]) (set data.image_size)"
            )
        }
        return Sample(input: x, target: .classIndex(e.label))
    }

    /// Sample `index`; an image that cannot be read gives a black image (the ``DataLoader`` reads
    /// ``loadSample(at:)``, which reports it instead).
    public func sample(at index: Int) -> Sample {
        (try? loadSample(at: index))
            ?? Sample(input: Tensor.zeros(sampleShape), target: .classIndex(entries[index].label))
    }

    /// WebDataset's order for a shuffled epoch: the shards permuted, then their samples streamed through a buffer of
    /// ``shuffleBuffer`` samples — once it is full, each arriving sample takes the place of one drawn at random,
    /// which is emitted; at the end the rest is emitted in random order. All draws come from
    /// ``SampleRandomness/shuffleGenerator(seed:epoch:)``.
    public func shuffledOrder(seed: UInt64, epoch: Int) -> [Int] {
        let g = SampleRandomness.shuffleGenerator(seed: seed, epoch: epoch)
        var out = [Int](), buffer = [Int]()
        out.reserveCapacity(count)
        buffer.reserveCapacity(min(shuffleBuffer, count))
        for s in g.permutation(shards.count) {
            for i in shardStarts[s]..<shardStarts[s + 1] {
                if buffer.count < max(shuffleBuffer, 1) {
                    buffer.append(i)
                    continue
                }
                let j = shuffleBuffer <= 1 ? 0 : g.integer(in: 0..<buffer.count)
                out.append(buffer[j])
                buffer[j] = i
            }
        }
        while !buffer.isEmpty {
            let j = buffer.count == 1 ? 0 : g.integer(in: 0..<buffer.count)
            out.append(buffer[j])
            buffer[j] = buffer[buffer.count - 1]
            buffer.removeLast()
        }
        return out
    }
}

/// Writes an image folder (or list) as tar shards that ``ImageShards`` reads (`descent shard`).
public enum ImageShardWriter {
    /// Writes `images`' files — their bytes as they are, not re-encoded — in an order shuffled with `seed` (so that
    /// each shard mixes the classes, as WebDataset advises) into `shard-000000.tar`, … of `samplesPerShard`
    /// samples each (`KEY.ext` and `KEY.cls`, the key the sample's 6-digit number, at least), and the class names
    /// into `classes.txt`. `output` must not exist or be empty.
    ///
    /// - Returns: the number of shards and, for each written sample in order, its index in `images.files`.
    /// - Throws: ``DescentError`` naming the output when it is not an empty folder or cannot be written, or an
    ///   image file that can no longer be read.
    @discardableResult
    public static func write(_ images: ImageFolder, to output: URL, samplesPerShard: Int, seed: UInt64) throws
        -> (shards: Int, order: [Int])
    {
        precondition(samplesPerShard >= 1, "ImageShardWriter: samplesPerShard must be positive")
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: output.path), !existing.isEmpty {
            throw DescentError(.file, output.path, "is not empty (shards are written only into a new or empty folder)")
        }
        do {
            try fm.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw DescentError(.file, output.path, "cannot create the output folder: \(error.localizedDescription)")
        }
        let order = RandomGenerator(seed: seed).permutation(images.count)
        let digits = max(6, String(images.count - 1).count)
        var shards = 0
        for start in stride(from: 0, to: order.count, by: samplesPerShard) {
            let name = String(format: "shard-%06d.tar", shards)
            let tar = try TarWriter(creating: output.appendingPathComponent(name))
            for position in start..<min(start + samplesPerShard, order.count) {
                let (url, label) = images.files[order[position]]
                var ext = url.pathExtension.lowercased()
                if ext == "jpeg" { ext = "jpg" }
                let number = String(position)
                let key = String(repeating: "0", count: digits - number.count) + number
                try tar.add("\(key).\(ext)", try FileBytes.read(url))
                try tar.add("\(key).cls", Data("\(label)".utf8))
            }
            try tar.finish()
            shards += 1
        }
        let classes = Data((images.classes.joined(separator: "\n") + "\n").utf8)
        do {
            try classes.write(to: output.appendingPathComponent("classes.txt"))
        } catch {
            throw DescentError(.file, output.path, "cannot write classes.txt: \(error.localizedDescription)")
        }
        return (shards, order)
    }
}
