import Foundation

/// The saved state of an optimizer: every group's hyperparameters and every parameter's step count, scalar
/// state and buffers, as plain `Codable` values (PyTorch's `optimizer.state_dict()`).
///
/// Buffers are stored exactly (`[Float]`), so restoring continues training bitwise identically. With
/// `JSONEncoder`, non-finite values (a diverged run) need a `nonConformingFloatEncodingStrategy`.
public struct OptimizerState: Codable, Sendable, Equatable {
    /// The hyperparameters of one parameter group.
    public struct Group: Codable, Sendable, Equatable {
        /// Names of the group's parameters.
        public var names: [String]
        /// The group's learning rate when it was created (the base of schedules).
        public var initialLR: Double
        /// The group's hyperparameters (the optimizer's rule, encoded as a JSON-like value).
        public var options: StateValue
    }

    /// The state of one parameter; empty (step 0, no buffers) until its first update.
    public struct ParameterState: Codable, Sendable, Equatable {
        /// Number of updates this parameter has received.
        public var step: Int
        /// Shape of the parameter.
        public var shape: [Int]
        /// Scalar state by name (such as NAdam's `mu_product`).
        public var scalars: [String: Double]
        /// Element buffers by name (such as `exp_avg`), each with as many elements as the parameter.
        public var buffers: [String: [Float]]
    }

    /// Name of the optimizer (`"Adam"`, ...), checked on load.
    public var optimizer: String
    /// How many times `step()` has run.
    public var stepCount: Int
    /// One entry per parameter group.
    public var groups: [Group]
    /// One entry per parameter, group after group.
    public var parameters: [ParameterState]
}

/// A JSON-like value: how an optimizer's hyperparameters are stored inside ``OptimizerState`` without the
/// state type depending on the optimizer.
public enum StateValue: Codable, Sendable, Equatable {
    /// No value.
    case null
    /// A flag.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// A list.
    case array([StateValue])
    /// Named values.
    case object([String: StateValue])

    /// Decodes whichever kind of value is present.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([StateValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: StateValue].self))
        }
    }

    /// Encodes the value as itself.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value of any `Encodable` (through its JSON form; numbers round-trip exactly).
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        self = try JSONDecoder().decode(StateValue.self, from: encoder.encode(value))
    }

    /// Decodes a `Decodable` from this value.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(T.self, from: JSONEncoder().encode(self))
    }
}
