extension SafeTensors {
    /// An element type of a safetensors file, named by its header tag (`rawValue`).
    ///
    /// All of them can be read (converted to `Float`); `float32` and `int64` can be written.
    public enum DType: String, Sendable, CaseIterable {
        /// 32-bit IEEE float, `F32` (read and write).
        case float32 = "F32"
        /// 64-bit signed integer, `I64` (read and write; exact as `Float` up to 2²⁴).
        case int64 = "I64"
        /// 16-bit IEEE float, `F16` (read).
        case float16 = "F16"
        /// bfloat16 (the top half of a `Float`), `BF16` (read).
        case bfloat16 = "BF16"
        /// 64-bit IEEE float, `F64` (read; rounded to `Float`).
        case float64 = "F64"
        /// 32-bit signed integer, `I32` (read).
        case int32 = "I32"
        /// 8-bit unsigned integer, `U8` (read).
        case uint8 = "U8"

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .uint8: return 1
            case .float16, .bfloat16: return 2
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            }
        }

        /// Whether Descent can write tensors of this type (`F32`, `I64`).
        public var isWritable: Bool { self == .float32 || self == .int64 }

        /// Converts `count` little-endian elements of this type at `source` (any alignment) into `destination`.
        func decode(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
            switch self {
            case .float32:
                for i in 0..<count {
                    destination[i] = Float(
                        bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            case .float64:
                for i in 0..<count {
                    destination[i] = Float(
                        Double(
                            bitPattern: UInt64(
                                littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            case .float16:
                for i in 0..<count {
                    destination[i] = Self.floatFromHalf(
                        UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bfloat16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .int64:
                for i in 0..<count {
                    destination[i] = Float(
                        Int64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            case .int32:
                for i in 0..<count {
                    destination[i] = Float(
                        Int32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                }
            case .uint8:
                for i in 0..<count { destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self)) }
            }
        }

        /// The `Float` with the value of the IEEE half-precision number `bits` (exact: every half is a float).
        static func floatFromHalf(_ bits: UInt16) -> Float {
            let sign = UInt32(bits & 0x8000) << 16
            let exponent = UInt32(bits >> 10) & 0x1f
            let mantissa = UInt32(bits & 0x3ff)
            if exponent == 0 {
                // Zero or subnormal: mantissa · 2⁻²⁴.
                let magnitude = Float(mantissa) * 0x1p-24
                return sign != 0 ? -magnitude : magnitude
            }
            if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
