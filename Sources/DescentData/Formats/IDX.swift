import Descent
import Foundation

/// An array read from an IDX file, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST.
///
/// Layout (all integers big-endian): two zero bytes, a type byte (`0x08` u8, `0x09` i8, `0x0B` i16, `0x0C` i32,
/// `0x0D` f32, `0x0E` f64), the number of dimensions, one u32 per dimension, then the elements in row-major
/// order. Files ending in `.gz` are decompressed on reading; large uncompressed files are memory-mapped, and the
/// elements stay in the file's bytes until asked for.
public struct IDXArray: Sendable {
    /// The element type of an IDX file.
    public enum ElementType: UInt8, Sendable {
        /// Unsigned byte (the type of every MNIST-family file).
        case uint8 = 0x08
        /// Signed byte.
        case int8 = 0x09
        /// Big-endian signed 16-bit integer.
        case int16 = 0x0B
        /// Big-endian signed 32-bit integer.
        case int32 = 0x0C
        /// Big-endian IEEE single.
        case float32 = 0x0D
        /// Big-endian IEEE double.
        case float64 = 0x0E

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// IDX bytes of unsigned bytes `values` with `shape` (the type of MNIST's images and labels): `00 00 08`,
    /// the number of dimensions, each dimension as a big-endian u32, then the bytes.
    public static func encode(bytes values: [UInt8], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "IDXArray: \(values.count) values for shape \(shape)")
        precondition(
            shape.count < 256 && shape.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) }, "IDXArray: shape \(shape)")
        var out = Data([0, 0, ElementType.uint8.rawValue, UInt8(shape.count)])
        for d in shape { out.append(contentsOf: (0..<4).map { UInt8((UInt32(d) >> (8 * (3 - $0))) & 0xFF) }) }
        out.append(contentsOf: values)
        return out
    }

    /// The size of each dimension (for MNIST images `[60000, 28, 28]`, for labels `[60000]`).
    public let shape: [Int]
    /// The element type.
    public let elementType: ElementType
    /// The file the array came from (for messages).
    public let path: String
    /// The file's bytes (decompressed; possibly memory-mapped).
    let bytes: Data
    /// Where the elements start in `bytes`.
    let dataOffset: Int

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Reads the IDX file at `url` (`.gz` or not).
    ///
    /// - Throws: ``DescentError`` naming the file for a missing file, corrupt gzip, a bad magic number, an
    ///   unknown element type, or a size that does not match the dimensions.
    public init(contentsOf url: URL) throws {
        try self.init(data: FileBytes.read(url), path: url.path)
    }

    /// Parses IDX bytes (already decompressed); `path` names them in errors.
    public init(data: Data, path: String) throws {
        var r = ByteReader(data, path: path)
        let magic = try r.bytes(4, "the IDX magic number")
        guard magic[0] == 0, magic[1] == 0 else {
            throw r.error(
                String(
                    format:
                        "bad IDX magic number 0x%02x%02x%02x%02x (expected 00 00, a type byte and the number of dimensions)",
                    magic[0], magic[1], magic[2], magic[3]))
        }
        guard let type = ElementType(rawValue: magic[2]) else {
            throw r.error(
                String(
                    format: "unknown IDX element type 0x%02x (known: 08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64)",
                    magic[2]))
        }
        let rank = Int(magic[3])
        guard rank > 0 else { throw r.error("IDX header declares 0 dimensions") }
        var shape = [Int]()
        for d in 0..<rank { shape.append(Int(try r.u32BigEndian("dimension \(d) of the IDX header"))) }
        let (count, overflow) = shape.reduce((1, false)) { acc, n in
            let (m, o) = acc.0.multipliedReportingOverflow(by: n)
            return (m, acc.1 || o)
        }
        let (bytes, overflow2) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow, !overflow2 else { throw r.error("IDX dimensions \(shape) are too large") }
        guard r.remaining == bytes else {
            throw r.error(
                "IDX header declares shape \(shape) of \(type) (\(bytes) bytes of data), but the file has \(r.remaining) bytes after the header"
            )
        }
        try MemoryBudget.requireFloats(count, shape: shape, for: path)
        self.shape = shape
        self.elementType = type
        self.path = path
        self.bytes = r.data
        self.dataOffset = r.offset
    }

    /// Calls `body` with the raw (big-endian) element bytes.
    public func withUnsafeElementBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[dataOffset..<(dataOffset + count * elementType.size)]))
        }
    }

    /// Element `i` (flat, row-major) converted to `Double`.
    func element(_ i: Int, in raw: UnsafeRawBufferPointer) -> Double {
        let o = i * elementType.size
        func be(_ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for j in 0..<n { v = v << 8 | UInt64(raw[o + j]) }
            return v
        }
        switch elementType {
        case .uint8: return Double(raw[o])
        case .int8: return Double(Int8(bitPattern: raw[o]))
        case .int16: return Double(Int16(bitPattern: UInt16(be(2))))
        case .int32: return Double(Int32(bitPattern: UInt32(be(4))))
        case .float32: return Double(Float(bitPattern: UInt32(be(4))))
        case .float64: return Double(bitPattern: be(8))
        }
    }

    /// Elements `range` (flat, row-major) as floats divided by `divisor` (for example 255 for pixels in [0, 1],
    /// as torchvision's `ToTensor` does).
    public func floats(_ range: Range<Int>, dividedBy divisor: Float = 1) -> [Float] {
        if range.isEmpty { return [] }
        return [Float](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            floats(range, dividedBy: divisor, into: buffer.baseAddress!)
            initialized = range.count
        }
    }

    /// Writes elements `range` as floats divided by `divisor` (the values of ``floats(_:dividedBy:)``) to `out`.
    public func floats(_ range: Range<Int>, dividedBy divisor: Float = 1, into out: UnsafeMutablePointer<Float>) {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= count, "IDXArray.floats: \(range) out of 0..<\(count)")
        withUnsafeElementBytes { raw in
            if elementType == .uint8 {
                var table = [Float](repeating: 0, count: 256)
                for v in 0..<256 { table[v] = Float(v) / divisor }
                let p = raw.bindMemory(to: UInt8.self)
                table.withUnsafeBufferPointer { t in
                    for (k, i) in range.enumerated() { out[k] = t[Int(p[i])] }
                }
                return
            }
            for (k, i) in range.enumerated() { out[k] = Float(element(i, in: raw)) / divisor }
        }
    }

    /// The whole array as a tensor of this shape, elements divided by `divisor`.
    public func tensor(dividedBy divisor: Float = 1) -> Tensor {
        Tensor(floats(0..<count, dividedBy: divisor), shape: shape)
    }

    /// The elements as integers (for label files).
    ///
    /// - Throws: ``DescentError`` naming the file and the element when a float element is not an integer.
    public func integers() throws -> [Int] {
        try withUnsafeElementBytes { raw in
            if elementType == .uint8 { return raw.map { Int($0) } }
            return try (0..<count).map { i in
                let v = element(i, in: raw)
                guard let n = Int(exactly: v) else {
                    throw DescentError(.file, path, "element \(i) is \(v), not an integer")
                }
                return n
            }
        }
    }
}
