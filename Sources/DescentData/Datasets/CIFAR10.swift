import Descent
import Foundation

/// CIFAR-10 (Krizhevsky, 2009): 50,000 training and 10,000 test colour images, 32×32, in 10 classes
/// (``classNames``), read from the binary version of the dataset.
///
/// Samples are `[3, 32, 32]` tensors (RGB planes) with values in [0, 1] and class targets 0...9. The data is
/// read either from the extracted batch files (`data_batch_1.bin` ... `data_batch_5.bin`, `test_batch.bin`, in
/// `cifar10/`, `cifar10/cifar-10-batches-bin/` or `cifar-10-batches-bin/` under the data directory; checked
/// against their published sizes, since no checksums are published for them) or straight from the archive
/// `cifar-10-binary.tar.gz` (in `cifar10/` or the data directory; checked against its published SHA-256).
public struct CIFAR10: Dataset {
    /// Class names, indexed by label.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// The archive's file name.
    static let archiveName = "cifar-10-binary.tar.gz"
    /// Published SHA-256 of the archive.
    static let archiveSHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
    /// Where to get the data, for error messages.
    static let howToGet =
        "Get the binary version, https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (it may stay packed, or be extracted)."

    /// Which part this is.
    public let split: OfficialSplit
    /// The batch files, in order.
    let batches: [CIFARBatch]
    /// Where the data was read from (a folder of batch files, or the archive).
    public let source: URL

    /// The batch file names of a split.
    static func batchNames(_ split: OfficialSplit) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    /// Where the archive is downloaded from, and its cache folder.
    static let remote = RemoteSource(folder: "cifar10", mirrors: [URL(string: "https://www.cs.toronto.edu/~kriz/")!])

    /// Loads the `split` part from `directory` (default: `$DESCENT_DATA`), else from the archive in the download
    /// cache (``DatasetDownloader``), downloading it there on first use unless `download` is false or
    /// `DESCENT_OFFLINE=1`; checks the files unless `verify` is false (downloads are always checked).
    ///
    /// - Throws: ``DescentError`` when neither the batch files nor the archive are found or downloaded (saying
    ///   where it looked, which URLs it tried, and how to get them), when a check fails, or when a file is
    ///   malformed.
    public init(split: OfficialSplit = .train, directory: URL? = nil, verify: Bool = true, download: Bool = true) throws
    {
        self.split = split
        let root = DataDirectory.root(directory)
        let folders = ["cifar10/cifar-10-batches-bin", "cifar10", "cifar-10-batches-bin"]
        let candidates = root.map { DataDirectory.candidates(root: $0, folders: folders, explicit: directory) } ?? []
        let names = CIFAR10.batchNames(split)
        let files = names.map {
            DataDirectory.KnownFile(name: $0, gzipSHA256: nil, rawSHA256: nil, rawSize: 10_000 * 3073)
        }
        if let urls = DataDirectory.find(files, in: candidates) {
            if verify { try DataDirectory.verify(urls, files) }
            batches = try urls.map { try CIFARBatch(contentsOf: $0, variant: .cifar10) }
            source = urls[0].deletingLastPathComponent()
        } else {
            let archives = (root.map { [$0.appendingPathComponent("cifar10"), $0] } ?? []).map {
                $0.appendingPathComponent(CIFAR10.archiveName)
            }
            let archive: URL
            if let found = archives.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
                if verify {
                    try DataDirectory.check(
                        found, sha256: DataDirectory.checksum(CIFAR10.archiveName, CIFAR10.archiveSHA256), size: nil)
                }
                archive = found
            } else {
                archive = try DataDirectory.cached(
                    dataset: "CIFAR10", remote: CIFAR10.remote,
                    downloads: [(CIFAR10.archiveName, CIFAR10.archiveSHA256)],
                    verify: verify, download: download, searched: candidates, explicit: directory,
                    looked: names.joined(separator: ", ") + " (or the archive \(CIFAR10.archiveName))",
                    howToGet: CIFAR10.howToGet)[0]
            }
            let tar = try TarArchive(contentsOf: archive)
            batches = try names.map { name in
                let entry = "cifar-10-batches-bin/\(name)"
                guard let data = tar.contents(of: entry) else {
                    throw DescentError(.file, archive.path, "the archive has no \(entry)")
                }
                return try CIFARBatch(data: data, path: "\(archive.path):\(entry)", variant: .cifar10)
            }
            source = archive
        }
        for b in batches where b.count != 10_000 {
            throw DescentError(.file, source.path, "a batch has \(b.count) images; CIFAR-10 batches have 10,000")
        }
    }

    /// Number of images.
    public var count: Int { batches.count * 10_000 }
    /// Image `index` (`[3, 32, 32]`, in [0, 1]) and its class.
    public func sample(at index: Int) -> Sample {
        precondition(index >= 0 && index < count, "CIFAR10: index \(index) out of range 0..<\(count)")
        let b = batches[index / 10_000]
        return Sample(input: b.image(index % 10_000), target: .classIndex(b.labels[index % 10_000]))
    }
    /// The class of image `index`.
    public func label(at index: Int) -> Int? { batches[index / 10_000].labels[index % 10_000] }
}
