import Descent
import Foundation

/// The built-in datasets by name, for configuration files and the command line.
public enum DatasetCatalog {
    /// The names ``load(_:split:directory:download:)`` knows, with what each is.
    public static let names: [(name: String, summary: String)] = [
        ("mnist", "MNIST handwritten digits, [1, 28, 28], 10 classes, 60,000 + 10,000"),
        ("fashion-mnist", "Fashion-MNIST clothing, [1, 28, 28], 10 classes, 60,000 + 10,000"),
        ("cifar10", "CIFAR-10 colour images, [3, 32, 32], 10 classes, 50,000 + 10,000"),
        ("sklearn-digits", "scikit-learn 8x8 digits, [64], 10 classes, 1,797 (no official split: the whole set)"),
        ("free-spoken-digits", "Free Spoken Digit Dataset waveforms, [1, samples], 10 classes, 2,700 + 300"),
        ("generated-shapes", "generated shapes, [1, 28, 28], 10 classes, 10,000 + 2,000, no files needed"),
    ]

    /// The dataset called `name` (see ``names``; case and `_`/`-` are ignored), part `split`, from
    /// `directory` (default: `$DESCENT_DATA`); MNIST, Fashion-MNIST and CIFAR-10 are downloaded into the cache
    /// on first use unless `download` is false (see ``DatasetDownloader``).
    ///
    /// - Throws: ``DescentError`` of kind `.argument` for an unknown name, or the dataset's own error.
    public static func load(_ name: String, split: OfficialSplit = .train, directory: URL? = nil, download: Bool = true) throws -> any Dataset {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "mnist": return try MNIST(split: split, directory: directory, download: download)
        case "fashion-mnist", "fashionmnist": return try FashionMNIST(split: split, directory: directory, download: download)
        case "cifar10", "cifar-10": return try CIFAR10(split: split, directory: directory, download: download)
        case "sklearn-digits", "digits": return try SklearnDigits(directory: directory)
        case "free-spoken-digits", "fsdd": return try FreeSpokenDigits(split: split, directory: directory)
        case "generated-shapes", "shapes": return GeneratedShapes(count: split == .train ? 10_000 : 2_000, seed: split == .train ? 0 : 1)
        default:
            throw DescentError(.argument, "dataset", "unknown dataset \"\(name)\" (known: \(names.map(\.name).joined(separator: ", ")))")
        }
    }
}
