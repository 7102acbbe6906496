import Descent
import Foundation

/// scikit-learn's digits (the test part of UCI "Optical Recognition of Handwritten Digits", Alpaydin &
/// Kaynak): 1,797 images of 8×8 cells, each cell a count 0...16 of "on" pixels, with digit classes 0...9.
///
/// Read from scikit-learn's `digits.csv.gz` (64 pixel columns then the label, no header) in the folder
/// `sklearn-digits/` of the data directory (see ``DataDirectory``), checked against its SHA-256. There is no
/// official train/test split: use ``Dataset/split(train:validation:test:seed:stratified:)``.
public struct SklearnDigits: Dataset {
    /// The shape of each input.
    public enum Layout: Sendable {
        /// A vector of 64 features, `[64]`.
        case flat
        /// A one-channel image, `[1, 8, 8]`.
        case image
    }

    /// The file, with its published checksums (scikit-learn 1.9.1's copy; the decompressed CSV's is also known).
    static let file = DataDirectory.KnownFile(
        name: "digits.csv", gzipSHA256: "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22",
        rawSHA256: "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8", rawSize: nil)
    /// Where to get the file, for error messages.
    static let howToGet =
        "Copy digits.csv.gz from scikit-learn (sklearn/datasets/data/digits.csv.gz in the scikit-learn package or wheel)."

    /// The input shape.
    public let layout: Layout
    /// The number the 0...16 cell counts are divided by (default 16, giving values in [0, 1]).
    public let divisor: Float
    /// The rows, `[1797, 64]`, already divided by `divisor`.
    let table: TensorDataset
    /// The file the data was read from.
    public let source: URL

    /// Loads the digits from `directory` (default: `$DESCENT_DATA`) as inputs of `layout`, cell counts
    /// divided by `divisor`, checking the file's checksum unless `verify` is false.
    ///
    /// - Throws: ``DescentError`` when the file is missing (saying where it looked and how to get it), does not
    ///   match its checksum, or is malformed.
    public init(directory: URL? = nil, layout: Layout = .flat, divisor: Float = 16, verify: Bool = true) throws {
        let url = try DataDirectory.locate(
            dataset: "SklearnDigits", explicit: directory, folders: ["sklearn-digits"],
            files: [SklearnDigits.file], verify: verify, howToGet: SklearnDigits.howToGet)[0]
        let csv = try CSVTable(contentsOf: url, label: .classIndex(.index(-1)), header: .absent)
        guard csv.featureColumns.count == 64 else {
            throw DescentError(
                .file, url.path, "expected 65 columns (64 pixels and the label), found \(csv.featureColumns.count + 1)")
        }
        if let bad = csv.labels!.firstIndex(where: { $0 > 9 }) {
            throw DescentError(.file, url.path, "row \(bad + 1) has label \(csv.labels![bad]), not a digit")
        }
        self.layout = layout
        self.divisor = divisor
        self.source = url
        self.table = TensorDataset(inputs: csv.features / divisor, labels: csv.labels!)
    }

    /// Number of images (1,797).
    public var count: Int { table.count }
    /// The digit of every image, in order.
    public var labels: [Int] { table.labels! }
    /// Image `index` (`[64]` or `[1, 8, 8]`) and its digit.
    public func sample(at index: Int) -> Sample {
        var s = table.sample(at: index)
        if layout == .image { s.input = s.input.reshaped([1, 8, 8]) }
        return s
    }
    /// The digit of image `index`.
    public func label(at index: Int) -> Int? { table.labels![index] }
}
