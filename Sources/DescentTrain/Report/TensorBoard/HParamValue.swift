/// A hyper-parameter's value as TensorBoard's HParams dashboard shows it: a number, a string or a flag.
public enum HParamValue: Sendable, Hashable {
    /// A numeric hyper-parameter (`DATA_TYPE_FLOAT64`; integers too).
    case number(Double)
    /// A categorical hyper-parameter (`DATA_TYPE_STRING`).
    case string(String)
    /// A boolean hyper-parameter (`DATA_TYPE_BOOL`).
    case bool(Bool)
}

extension HParamValue: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral
{
    /// `.number(value)`.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// `.number(Double(value))`.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// `.string(value)`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `.bool(value)`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
