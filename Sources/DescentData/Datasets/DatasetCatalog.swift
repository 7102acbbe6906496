import Descent
import Foundation

/// Loads the built-in datasets (``DatasetName``) by name, with their splits defined once: what `descent
/// train` trains and holds out is what `descent evaluate` and `descent augment` read.
public enum DatasetCatalog {
    /// The built-in names with what each is.
    public static var names: [(name: String, summary: String)] { DatasetName.builtIn.map { ($0.rawValue, $0.summary) } }

    /// Generated shapes in the training split by default.
    public static let shapesTrainCount = 12_000
    /// Generated shapes in the test split by default.
    public static let shapesTestCount = 2_000
    /// Added to the seed of the training images to draw the test images.
    public static let shapesTestSeedOffset: UInt64 = 1_000_003

    /// The generated shapes of `split` for a run seeded by `seed`: the training images are drawn from `seed`,
    /// the test images from `seed + 1,000,003`, so the two never share a drawing.
    public static func shapes(_ split: OfficialSplit, seed: UInt64 = 0, count: Int? = nil) -> GeneratedShapes {
        switch split {
        case .train: return GeneratedShapes(count: count ?? shapesTrainCount, seed: seed)
        case .test: return GeneratedShapes(count: count ?? shapesTestCount, seed: seed &+ shapesTestSeedOffset)
        }
    }

    /// The dataset called `name` (a ``DatasetName`` or alias; case and `_`/`-` are ignored), part `split`,
    /// from `directory` (default: `$DESCENT_DATA`); MNIST, Fashion-MNIST and CIFAR-10 are downloaded into the
    /// cache on first use unless `download` is false (see ``DatasetDownloader``). Generated shapes use
    /// ``shapes(_:seed:count:)`` with `seed`, spell-numbers ``SpellNumbers/parts(train:test:seed:)`` with the default
    /// counts; datasets without a test split give the whole set.
    ///
    /// - Throws: ``DescentError`` of kind `.argument` for an unknown name or `csv` (which needs a path), or the
    ///   dataset's own error.
    public static func load(
        _ name: String, split: OfficialSplit = .train, directory: URL? = nil, download: Bool = true,
        seed: UInt64 = 0
    ) throws -> any Dataset {
        guard let dataset = DatasetName(lookup: name) else {
            throw DescentError(
                .argument, "dataset",
                "unknown dataset \"\(name)\" (known: \(names.map(\.name).joined(separator: ", ")))")
        }
        return try load(dataset, split: split, directory: directory, download: download, seed: seed)
    }

    /// The built-in `dataset`, part `split` (see ``load(_:split:directory:download:seed:)-swift.type.method``).
    public static func load(
        _ dataset: DatasetName, split: OfficialSplit = .train, directory: URL? = nil, download: Bool = true,
        seed: UInt64 = 0
    ) throws -> any Dataset {
        switch dataset {
        case .shapes: return shapes(split, seed: seed)
        case .mnist: return try MNIST(split: split, directory: directory, download: download)
        case .fashionMNIST: return try FashionMNIST(split: split, directory: directory, download: download)
        case .cifar10: return try CIFAR10(split: split, directory: directory, download: download)
        case .sklearnDigits: return try SklearnDigits(directory: directory)
        case .freeSpokenDigits: return try FreeSpokenDigits(split: split, directory: directory)
        case .spellNumbers:
            let parts = SpellNumbers.parts(
                train: SpellNumbers.defaultTrainCount, test: SpellNumbers.defaultTestCount, seed: seed)
            return split == .train ? parts.train : parts.test
        case .csv: throw DescentError(.argument, "dataset", "csv needs the path of the file (data.path in a config)")
        case .text:
            throw DescentError(.argument, "dataset", "text needs the path of a table or folder (data.path in a config)")
        case .folder:
            throw DescentError(.argument, "dataset", "folder needs the path of an image folder (data.path in a config)")
        case .shards:
            throw DescentError(
                .argument, "dataset", "shards needs the path of a folder of tar shards (data.path in a config)")
        }
    }
}
