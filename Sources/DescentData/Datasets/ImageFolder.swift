import Descent
import Foundation

/// Images in one folder per class (torchvision's `ImageFolder`): `root/CLASS/…/NAME.jpg|jpeg|png|webp`, the class
/// folders sorted by name (their indices), the files of each found recursively and sorted by path; decoded when a
/// sample is read (on the loader's worker threads), so memory holds only the batches in flight.
///
/// Each sample is `[channels, height, width]` in [0, 1]: grey images repeated to RGB or RGB(A) reduced to grey
/// with ITU-R 601-2 luma as Pillow's `convert("L")` computes it, `L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16`,
/// to reach ``channels``,
/// alpha dropped, then resized to ``size`` with ``Resize`` (antialiased bilinear) when one is given — else every
/// image must have the size of the first.
///
/// ``init(list:classes:channels:size:onBadFile:threads:)`` reads the files and classes from a list instead
/// (``ImageList``: CSV or JSON `path,label` entries).
public struct ImageFolder: Dataset {
    /// What to do with a file that cannot be decoded.
    public enum BadFilePolicy: String, Sendable, CaseIterable {
        /// Stop with an error naming the file.
        case error
        /// Leave the file out and count it (``skipped``).
        case skip
    }

    /// The class names (folder names, sorted).
    public let classes: [String]
    /// Every image file and its class index.
    public let files: [(url: URL, label: Int)]
    /// Channels of every sample: 1 (grey) or 3 (RGB).
    public let channels: Int
    /// The `(height, width)` every image is resized to, or `nil` to keep the first image's size.
    public let size: (height: Int, width: Int)?
    /// The files left out under ``BadFilePolicy/skip``, with the reason of each.
    public let skipped: [(path: String, reason: String)]
    /// The sample shape `[channels, height, width]`.
    public let sampleShape: [Int]

    /// The image folder at `root`. Every file is decoded once here (on `threads` threads, nothing kept), so that a
    /// corrupt, truncated, empty or mis-named file is found before training: an error naming it, or with `.skip`
    /// one more entry of ``skipped``.
    ///
    /// - Throws: ``DescentError`` naming the folder when it is missing, has no class folders or no images, or the
    ///   file that cannot be decoded (`.error`), or whose size differs from the first image's when `size` is nil.
    public init(
        root: URL, channels: Int = 3, size: (height: Int, width: Int)? = nil, onBadFile: BadFilePolicy = .error,
        threads: Int = 2
    ) throws {
        precondition(channels == 1 || channels == 3, "ImageFolder: channels must be 1 or 3, got \(channels)")
        let fm = FileManager.default
        let classes = try ClassFolders.names(in: root, holding: "images")
        guard !classes.isEmpty else {
            throw DescentError(.file, root.path, "has no class folders (expected root/CLASS/IMAGE.jpg)")
        }
        var found: [(URL, Int)] = []
        for (label, name) in classes.enumerated() {
            let folder = root.appendingPathComponent(name)
            let paths = (fm.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []).filter {
                ImageFile.extensions.contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            found += paths.map { (folder.appendingPathComponent($0), label) }
        }
        guard !found.isEmpty else {
            throw DescentError(
                .file, root.path, "has no images (.jpg, .jpeg, .png, .webp) in its \(classes.count) class folders")
        }
        try self.init(
            checking: found, classes: classes, source: root.path, channels: channels, size: size,
            onBadFile: onBadFile, skipped: [], threads: threads)
    }

    /// The images of the list file at `list` (``ImageList``: CSV, TSV, JSON or JSON Lines of `path,label`, the
    /// paths relative to the list's folder), checked as ``init(root:channels:size:onBadFile:threads:)`` checks a
    /// folder's. With `classes` (the training list's, for a test list) the labels are looked up in them.
    ///
    /// - Throws: ``DescentError`` naming the list and line when the list is malformed or names a missing file
    ///   (`.error`; with `.skip` the file is one more entry of ``skipped``), or the image that cannot be decoded.
    public init(
        list: URL, classes: [String]? = nil, channels: Int = 3, size: (height: Int, width: Int)? = nil,
        onBadFile: BadFilePolicy = .error, threads: Int = 2
    ) throws {
        precondition(channels == 1 || channels == 3, "ImageFolder: channels must be 1 or 3, got \(channels)")
        let parsed = try ImageList(contentsOf: list, classes: classes)
        let base = list.deletingLastPathComponent()
        var found: [(URL, Int)] = [], skipped: [(String, String)] = []
        for e in parsed.entries {
            let url = e.path.hasPrefix("/") ? URL(fileURLWithPath: e.path) : base.appendingPathComponent(e.path)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else {
                let reason =
                    "\(isFolder.boolValue ? "is a folder, not an image" : "no such file"): \(e.path) "
                    + "(paths are relative to the list's folder)"
                if onBadFile == .error { throw DescentError(.file, "\(list.path):\(e.line)", reason) }
                skipped.append((url.path, reason))
                continue
            }
            found.append((url, e.label))
        }
        try self.init(
            checking: found, classes: parsed.classes, source: list.path, channels: channels, size: size,
            onBadFile: onBadFile, skipped: skipped, threads: threads)
    }

    /// The images `found` (file and class index), each decoded once on `threads` threads: the bad ones an error
    /// or skipped (after `skipped`), the rest kept; `source` (the folder or list) names the dataset in errors.
    private init(
        checking found: [(URL, Int)], classes: [String], source: String, channels: Int,
        size: (height: Int, width: Int)?, onBadFile: BadFilePolicy, skipped: [(String, String)], threads: Int
    ) throws {
        // Decode every file once, in parallel; keep each one's size or error.
        let results = Self.check(found.map(\.0), threads: max(1, threads))
        var kept: [(URL, Int)] = [], skipped = skipped
        let total = found.count + skipped.count
        var first: (Int, Int)?
        for ((url, label), result) in zip(found, results) {
            switch result {
            case .failure(let e):
                if onBadFile == .error { throw e }
                skipped.append((url.path, e.reason))
            case .success(let shape):
                if size == nil {
                    if let first, first != shape {
                        let reason =
                            "is \(shape.1)×\(shape.0), the first image \(first.1)×\(first.0) (set data.image_size to resize them all)"
                        if onBadFile == .error { throw DescentError(.file, url.path, reason) }
                        skipped.append((url.path, reason))
                        continue
                    }
                    first = first ?? shape
                }
                kept.append((url, label))
            }
        }
        guard !kept.isEmpty else {
            throw DescentError(.file, source, "none of its \(total) image files could be read")
        }
        self.classes = classes
        self.files = kept
        self.channels = channels
        self.size = size
        self.skipped = skipped
        let (h, w) = size ?? first!
        sampleShape = [channels, h, w]
    }

    /// Each file's `(height, width)` or its decoding error, on `threads` threads.
    static func check(_ urls: [URL], threads: Int) -> [Result<(Int, Int), DescentError>] {
        let results = ResultBox(count: urls.count)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in stride(from: t, to: urls.count, by: threads) {
                do {
                    let image = try ImageFile.decode(contentsOf: urls[i])
                    results.set(i, .success((image.height, image.width)))
                } catch let e as DescentError {
                    results.set(i, .failure(e))
                } catch {
                    results.set(i, .failure(DescentError(.file, urls[i].path, "\(error)")))
                }
            }
        }
        return results.values
    }

    /// Results written by several threads at distinct indices.
    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Result<(Int, Int), DescentError>?]
        init(count: Int) { storage = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<(Int, Int), DescentError>) {
            lock.lock()
            storage[i] = r
            lock.unlock()
        }
        var values: [Result<(Int, Int), DescentError>] { storage.map { $0! } }
    }

    /// Number of images.
    public var count: Int { files.count }

    /// The class of image `index` (without decoding it).
    public func label(at index: Int) -> Int? { files[index].label }

    /// Image `index`, decoded, converted to ``channels`` and resized.
    ///
    /// - Throws: ``DescentError`` naming the file when it can no longer be read or decoded.
    public func loadSample(at index: Int) throws -> Sample {
        let (url, label) = files[index]
        let image = try ImageFile.decode(contentsOf: url)
        let pixels = Self.planes(image, channels: channels)
        var x = Tensor(pixels, shape: [channels, image.height, image.width])
        if let size {
            x = try Resize.resize(x, height: size.height, width: size.width)
        } else if [image.height, image.width] != Array(sampleShape.dropFirst()) {
            throw DescentError(
                .file, url.path,
                "is \(image.width)×\(image.height), the others \(sampleShape[2])×\(sampleShape[1]) (set data.image_size)"
            )
        }
        return Sample(input: x, target: .classIndex(label))
    }

    /// Image `index`; a file that has become unreadable since the folder was checked gives a black image (the
    /// ``DataLoader`` reads ``loadSample(at:)``, which reports it instead).
    public func sample(at index: Int) -> Sample {
        (try? loadSample(at: index))
            ?? Sample(input: Tensor.zeros(sampleShape), target: .classIndex(files[index].label))
    }

    /// The image's samples as `channels` planes in [0, 1] (`[C, H, W]` order).
    public static func planes(_ image: DecodedImage, channels: Int) -> [Float] {
        let n = image.width * image.height, c = image.channels, p = image.pixels
        var out = [Float](repeating: 0, count: channels * n)
        for i in 0..<n {
            if channels == 1 {
                // Pillow's convert("L") from RGB(A); grey as it is.
                let v: Int =
                    c < 3
                    ? Int(p[i * c])
                    : (Int(p[i * c]) * 19595 + Int(p[i * c + 1]) * 38470 + Int(p[i * c + 2]) * 7471 + 0x8000) >> 16
                out[i] = Float(v) / 255
            } else {
                for k in 0..<3 { out[k * n + i] = Float(p[i * c + (c < 3 ? 0 : k)]) / 255 }
            }
        }
        return out
    }
}
