import Descent
import Foundation

/// One binary batch file of CIFAR-10 (`data_batch_1.bin` ... `test_batch.bin`) or CIFAR-100 (`train.bin`,
/// `test.bin`).
///
/// Each record is the label byte(s) — one for CIFAR-10, coarse then fine for CIFAR-100 — followed by a 32×32
/// colour image as 3072 bytes: the red plane, then green, then blue, each row-major. A `.gz` file is
/// decompressed on reading.
public struct CIFARBatch: Sendable {
    /// Which of the two CIFAR layouts a file has.
    public enum Variant: Sendable {
        /// CIFAR-10: one label byte (0...9) per record.
        case cifar10
        /// CIFAR-100: a coarse label byte (0...19) and a fine label byte (0...99) per record.
        case cifar100

        /// Label bytes per record.
        public var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        /// Bytes per record.
        public var recordSize: Int { labelBytes + CIFARBatch.imageBytes }
    }

    /// Bytes per image (3 × 32 × 32).
    public static let imageBytes = 3072
    /// Image side in pixels.
    public static let side = 32

    /// The layout of the file.
    public let variant: Variant
    /// Number of images.
    public let count: Int
    /// The class of each image (CIFAR-100: the fine label).
    public let labels: [Int]
    /// The coarse (super-class) label of each image; `nil` for CIFAR-10.
    public let coarseLabels: [Int]?
    let bytes: Data

    /// Reads the batch file at `url`.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, empty, not a whole number of records, or
    ///   holds a label out of range.
    public init(contentsOf url: URL, variant: Variant = .cifar10) throws {
        try self.init(data: FileBytes.read(url), path: url.path, variant: variant)
    }

    /// Parses batch bytes; `path` names them in errors.
    public init(data: Data, path: String, variant: Variant = .cifar10) throws {
        let data = data.startIndex == 0 ? data : Data(data)
        let record = variant.recordSize
        guard !data.isEmpty else { throw DescentError(.file, path, "empty CIFAR batch file") }
        guard data.count % record == 0 else {
            throw DescentError(
                .file, path,
                "size \(data.count) bytes is not a whole number of \(record)-byte CIFAR records (\(variant.labelBytes) label byte(s) + 3072 pixel bytes); \(data.count / record) records and \(data.count % record) extra bytes"
            )
        }
        let n = data.count / record
        try MemoryBudget.requireFloats(n * 3072, shape: [n, 3, 32, 32], for: path)
        var fine = [Int](repeating: 0, count: n)
        var coarse: [Int]? = variant == .cifar100 ? [Int](repeating: 0, count: n) : nil
        try data.withUnsafeBytes { raw in
            for i in 0..<n {
                if variant == .cifar10 {
                    let l = Int(raw[i * record])
                    guard l < 10 else {
                        throw DescentError(.file, path, "record \(i): label \(l) is not a CIFAR-10 class (0...9)")
                    }
                    fine[i] = l
                } else {
                    let c = Int(raw[i * record]), f = Int(raw[i * record + 1])
                    guard c < 20 else {
                        throw DescentError(
                            .file, path, "record \(i): coarse label \(c) is not a CIFAR-100 super-class (0...19)")
                    }
                    guard f < 100 else {
                        throw DescentError(
                            .file, path, "record \(i): fine label \(f) is not a CIFAR-100 class (0...99)")
                    }
                    coarse![i] = c
                    fine[i] = f
                }
            }
        }
        self.variant = variant
        self.count = n
        self.labels = fine
        self.coarseLabels = coarse
        self.bytes = data
    }

    /// The pixels of image `index` in channel-major order (`[3, 32, 32]`: R plane, G plane, B plane), divided by
    /// `divisor`.
    public func pixels(_ index: Int, dividedBy divisor: Float = 1) -> [Float] {
        precondition(index >= 0 && index < count, "CIFARBatch: index \(index) out of range 0..<\(count)")
        let start = index * variant.recordSize + variant.labelBytes
        let table = (0..<256).map { Float($0) / divisor }
        return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
            let p = raw.bindMemory(to: UInt8.self)
            return (start..<(start + CIFARBatch.imageBytes)).map { (i: Int) -> Float in table[Int(p[i])] }
        }
    }

    /// Image `index` as a `[3, 32, 32]` tensor, pixels divided by `divisor` (default: 255, giving [0, 1]).
    public func image(_ index: Int, dividedBy divisor: Float = 255) -> Tensor {
        Tensor(pixels(index, dividedBy: divisor), shape: [3, CIFARBatch.side, CIFARBatch.side])
    }
}
