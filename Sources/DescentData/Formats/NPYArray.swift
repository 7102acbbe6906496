import Descent
import Foundation

/// An array read from a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0), or written to one.
///
/// Supported element types: `float32`, `float64`, `uint8`, `int32`, `int64` (little- or big-endian). Arrays
/// must be in C (row-major) order: a file written in Fortran order is a thrown error, as is any other dtype
/// (structured, object, strings). A `.gz` file is decompressed on reading.
public struct NPYArray: Sendable {
    /// The element type of an NPY array.
    public enum DType: String, Sendable, CaseIterable {
        /// IEEE single (`f4`).
        case float32 = "f4"
        /// IEEE double (`f8`).
        case float64 = "f8"
        /// Unsigned byte (`u1`).
        case uint8 = "u1"
        /// 32-bit signed integer (`i4`).
        case int32 = "i4"
        /// 64-bit signed integer (`i8`).
        case int64 = "i8"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8: return 1
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            }
        }
    }

    /// The array's shape (`[]` for a 0-d array).
    public let shape: [Int]
    /// The element type.
    public let dtype: DType
    /// The file the array came from (for messages).
    public let path: String
    let bytes: Data
    let dataOffset: Int
    let bigEndian: Bool

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Reads the `.npy` file at `url`.
    ///
    /// - Throws: ``DescentError`` naming the file for a missing file, a bad magic string, an unknown version,
    ///   a malformed header, an unsupported dtype, Fortran order, or a data size that does not match the shape.
    public init(contentsOf url: URL) throws {
        try self.init(data: FileBytes.read(url), path: url.path)
    }

    /// Parses `.npy` bytes; `path` names them in errors.
    public init(data: Data, path: String) throws {
        var r = ByteReader(data, path: path)
        let magic = try r.bytes(6, "the NPY magic string")
        guard magic == [0x93] + Array("NUMPY".utf8) else {
            throw r.error("bad NPY magic string (expected \\x93NUMPY at the start of the file)")
        }
        let major = try r.u8("the NPY major version"), minor = try r.u8("the NPY minor version")
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(try r.u16LittleEndian("the NPY header length"))
        case 2, 3: headerLength = Int(try r.u32LittleEndian("the NPY header length"))
        default: throw r.error("unsupported NPY format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let headerBytes = try r.bytes(headerLength, "the NPY header")
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw r.error("NPY header is not valid text")
        }
        let fields = try NPYArray.parseHeader(header, reader: r)
        guard case .string(let descr)? = fields["descr"] else {
            throw r.error("NPY header has no 'descr' string (the dtype)")
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else {
            throw r.error("NPY header has no 'fortran_order' boolean")
        }
        guard case .tuple(let shape)? = fields["shape"] else {
            throw r.error("NPY header has no 'shape' tuple")
        }
        if fortran {
            throw r.error(
                "array is stored in Fortran (column-major) order, which is not supported; save it with np.ascontiguousarray or fortran_order=False"
            )
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw r.error("NPY shape \(shape) has a negative dimension") }
        var order = descr.first ?? "<"
        var code = Substring(descr)
        if "<>|=".contains(order) { code = code.dropFirst() } else { order = "=" }
        guard let type = DType(rawValue: String(code)) else {
            throw r.error(
                "unsupported NPY dtype '\(descr)' (supported: float32 <f4, float64 <f8, uint8 |u1, int32 <i4, int64 <i8)"
            )
        }
        let (count, o1) = shape.reduce((1, false)) { acc, n in
            let (m, o) = acc.0.multipliedReportingOverflow(by: n)
            return (m, acc.1 || o)
        }
        let (size, o2) = count.multipliedReportingOverflow(by: type.size)
        guard !o1, !o2 else { throw r.error("NPY shape \(shape) is too large") }
        guard r.remaining == size else {
            throw r.error(
                "NPY header declares shape \(shape) of \(type) (\(size) bytes of data), but the file has \(r.remaining) bytes after the header"
            )
        }
        try MemoryBudget.requireFloats(count, shape: shape, for: path)
        self.shape = shape
        self.dtype = type
        self.path = path
        self.bytes = r.data
        self.dataOffset = r.offset
        self.bigEndian = order == ">"
    }

    /// Element `i` (flat, row-major) as `Double`.
    func element(_ i: Int, in raw: UnsafeRawBufferPointer) -> Double {
        let o = dataOffset + i * dtype.size
        func word(_ n: Int) -> UInt64 {
            var v: UInt64 = 0
            if bigEndian {
                for j in 0..<n { v = v << 8 | UInt64(raw[o + j]) }
            } else {
                for j in (0..<n).reversed() { v = v << 8 | UInt64(raw[o + j]) }
            }
            return v
        }
        switch dtype {
        case .uint8: return Double(raw[o])
        case .int32: return Double(Int32(bitPattern: UInt32(word(4))))
        case .int64: return Double(Int64(bitPattern: word(8)))
        case .float32: return Double(Float(bitPattern: UInt32(word(4))))
        case .float64: return Double(bitPattern: word(8))
        }
    }

    /// The elements converted to `Float` (row-major).
    public func floats() -> [Float] {
        bytes.withUnsafeBytes { raw in
            if dtype == .float32 && !bigEndian {
                return (0..<count).map {
                    Float(
                        bitPattern: raw.loadUnaligned(fromByteOffset: dataOffset + $0 * 4, as: UInt32.self).littleEndian
                    )
                }
            }
            return (0..<count).map { Float(element($0, in: raw)) }
        }
    }

    /// The elements converted to `Double` (row-major).
    public func doubles() -> [Double] {
        bytes.withUnsafeBytes { raw in (0..<count).map { element($0, in: raw) } }
    }

    /// The elements as integers (for label arrays).
    ///
    /// - Throws: ``DescentError`` naming the file and element when a float element is not an integer.
    public func integers() throws -> [Int] {
        try bytes.withUnsafeBytes { raw in
            try (0..<count).map { i in
                if dtype == .int64 {
                    let o = dataOffset + i * 8
                    let w = raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)
                    return Int(Int64(bitPattern: bigEndian ? w.bigEndian : w.littleEndian))
                }
                let v = element(i, in: raw)
                guard let n = Int(exactly: v) else {
                    throw DescentError(.file, path, "element \(i) is \(v), not an integer")
                }
                return n
            }
        }
    }

    /// The array as a tensor of the same shape (elements converted to `Float`).
    public func tensor() -> Tensor { Tensor(floats(), shape: shape) }

    /// `.npy` bytes (format 1.0, little-endian `float32`, C order) holding `tensor`.
    public static func encode(_ tensor: Tensor) -> Data {
        var out = header(descr: "<f4", shape: tensor.shape)
        tensor.withUnsafeBufferPointer { p in
            for v in p {
                let bits = v.bitPattern.littleEndian
                out.append(contentsOf: [
                    UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24),
                ])
            }
        }
        return out
    }

    /// `.npy` bytes (format 1.0, little-endian `int64`, C order) holding `values` with `shape` (such as labels).
    public static func encode(int64 values: [Int], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "NPYArray: \(values.count) values for shape \(shape)")
        var out = header(descr: "<i8", shape: shape)
        for v in values {
            let bits = UInt64(bitPattern: Int64(v)).littleEndian
            out.append(contentsOf: (0..<8).map { UInt8((bits >> (8 * $0)) & 0xFF) })
        }
        return out
    }

    /// The magic, version 1.0 and the header dictionary, padded with spaces so that the data starts at a multiple
    /// of 64 bytes, ending with a newline.
    private static func header(descr: String, shape: [Int]) -> Data {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let n = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        return out
    }

    /// A value in the NPY header dictionary.
    enum HeaderValue: Equatable {
        /// A quoted string (`'descr'`).
        case string(String)
        /// `True` or `False` (`'fortran_order'`).
        case bool(Bool)
        /// A tuple of integers (`'shape'`).
        case tuple([Int])
    }

    /// Parses the Python dict literal of an NPY header, such as
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func parseHeader(_ text: String, reader r: ByteReader) throws -> [String: HeaderValue] {
        let s = Array(text.unicodeScalars)
        var i = 0
        func skipSpace() {
            while i < s.count && (s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r") { i += 1 }
        }
        func fail(_ what: String) -> DescentError {
            r.error("malformed NPY header (\(what)): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        func expect(_ c: Unicode.Scalar) throws {
            skipSpace()
            guard i < s.count && s[i] == c else { throw fail("expected '\(c)' at character \(i)") }
            i += 1
        }
        func string() throws -> String {
            skipSpace()
            guard i < s.count, s[i] == "'" || s[i] == "\"" else {
                throw fail("expected a quoted string at character \(i)")
            }
            let q = s[i]
            i += 1
            var out = ""
            while i < s.count && s[i] != q { out.unicodeScalars.append(s[i]); i += 1 }
            guard i < s.count else { throw fail("unterminated string") }
            i += 1
            return out
        }
        func integer() throws -> Int {
            skipSpace()
            var digits = ""
            while i < s.count && (("0"..."9").contains(s[i]) || (digits.isEmpty && s[i] == "-")) {
                digits.unicodeScalars.append(s[i]); i += 1
            }
            // Python 2 long literals: 3L.
            if i < s.count && s[i] == "L" { i += 1 }
            guard let v = Int(digits) else { throw fail("expected an integer at character \(i)") }
            return v
        }
        func value() throws -> HeaderValue {
            skipSpace()
            guard i < s.count else { throw fail("missing value") }
            if s[i] == "'" || s[i] == "\"" { return .string(try string()) }
            if s[i] == "(" {
                i += 1
                var dims = [Int]()
                while true {
                    skipSpace()
                    if i < s.count && s[i] == ")" { i += 1; break }
                    dims.append(try integer())
                    skipSpace()
                    if i < s.count && s[i] == "," { i += 1; continue }
                    try expect(")")
                    break
                }
                return .tuple(dims)
            }
            for (word, v) in [("True", true), ("False", false)]
            where String(String.UnicodeScalarView(s[i..<min(i + word.count, s.count)])) == word {
                i += word.count
                return .bool(v)
            }
            throw fail("unexpected value at character \(i)")
        }
        var out = [String: HeaderValue]()
        try expect("{")
        while true {
            skipSpace()
            if i < s.count && s[i] == "}" { i += 1; break }
            let key = try string()
            try expect(":")
            out[key] = try value()
            skipSpace()
            if i < s.count && s[i] == "," { i += 1; continue }
            try expect("}")
            break
        }
        return out
    }
}
