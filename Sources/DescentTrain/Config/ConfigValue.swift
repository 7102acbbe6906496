/// One option value of a configuration (an optimizer's `betas`, a layer's `kernel_size`, …), already checked
/// against the option's type and range.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    /// A flag.
    case bool(Bool)
    /// A whole number.
    case int(Int)
    /// A real number.
    case number(Double)
    /// A name or other text.
    case string(String)
    /// A list of values.
    case list([ConfigValue])

    /// The value as a real number (integers included).
    public var double: Double? {
        switch self {
        case .number(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// The value as an integer.
    public var int: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The value as a flag.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as text.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a list.
    public var list: [ConfigValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// The value in YAML flow syntax (`0.001`, `true`, `[0.9, 0.999]`, `"yes"`).
    public var description: String { YAMLWriter.flow(self) }
}

/// The options of one choice in a configuration (the optimizer, the schedule, a layer, a transform, the
/// loss, a zoo model), by their PyTorch-style names; absent optional options are not stored.
public struct ConfigOptions: Sendable, Equatable {
    /// The options by name.
    public var values: [String: ConfigValue]

    /// Options with the given values.
    public init(_ values: [String: ConfigValue] = [:]) { self.values = values }

    /// The value of option `key`.
    public subscript(key: String) -> ConfigValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Option `key` as a real number.
    public func double(_ key: String) -> Double? { values[key]?.double }
    /// Option `key` as an integer.
    public func int(_ key: String) -> Int? { values[key]?.int }
    /// Option `key` as a flag.
    public func bool(_ key: String) -> Bool? { values[key]?.bool }
    /// Option `key` as text.
    public func string(_ key: String) -> String? { values[key]?.string }
    /// Option `key` as a list of real numbers.
    public func doubles(_ key: String) -> [Double]? { values[key]?.list?.compactMap(\.double) }
    /// Option `key` as a list of integers.
    public func ints(_ key: String) -> [Int]? { values[key]?.list?.compactMap(\.int) }
}
