import Descent

/// The type, range and default of one option of a choice (an optimizer's `lr`, a layer's `kernel_size`): the
/// table the options of optimizers, schedules, losses, models, layers and transforms are read with.
struct OptionSpec {
    /// The value's type.
    enum Kind {
        case number(ConfigBound)
        case int(ConfigBound)
        case bool
        case choice([String])
        case numbers(count: Int?, ConfigBound)
        case ints(ConfigBound)
        /// An integer or `[height, width]`.
        case size(ConfigBound)
        /// An integer, or `classes`: the number of classes (or regression targets) of the data.
        case outputs
    }

    let key: String
    let kind: Kind
    /// The value when absent; `nil` leaves the option absent (it has a meaning of its own, documented).
    let fallback: ConfigValue?
    /// Whether the option must be written.
    let isRequired: Bool

    static func number(_ key: String, _ value: Double?, _ bound: ConfigBound = .any) -> OptionSpec {
        OptionSpec(key: key, kind: .number(bound), fallback: value.map(ConfigValue.number), isRequired: false)
    }
    /// A number option whose default is a library type's `Float` constant, as its shortest decimal (`1e-05`,
    /// not the `Double` value of that `Float`, `9.99999974738e-06`), which reads back as the same `Float`.
    static func number(_ key: String, float value: Float, _ bound: ConfigBound = .any) -> OptionSpec {
        number(key, Double(value.description)!, bound)
    }
    static func int(_ key: String, _ value: Int?, _ bound: ConfigBound = .any) -> OptionSpec {
        OptionSpec(key: key, kind: .int(bound), fallback: value.map(ConfigValue.int), isRequired: false)
    }
    static func flag(_ key: String, _ value: Bool) -> OptionSpec {
        OptionSpec(key: key, kind: .bool, fallback: .bool(value), isRequired: false)
    }
    static func choice(_ key: String, _ choices: [String], _ value: String?) -> OptionSpec {
        OptionSpec(key: key, kind: .choice(choices), fallback: value.map(ConfigValue.string), isRequired: false)
    }
    static func numbers(_ key: String, _ value: [Double]?, count: Int? = nil, _ bound: ConfigBound = .any) -> OptionSpec
    {
        OptionSpec(
            key: key, kind: .numbers(count: count, bound), fallback: value.map { .list($0.map(ConfigValue.number)) },
            isRequired: false)
    }
    /// A two-number option whose default is a library type's range, as `[lower, upper]`.
    static func numbers(_ key: String, range: ClosedRange<Double>, _ bound: ConfigBound = .any) -> OptionSpec {
        numbers(key, [range.lowerBound, range.upperBound], count: 2, bound)
    }
    static func ints(_ key: String, _ value: [Int]?, _ bound: ConfigBound = .any) -> OptionSpec {
        OptionSpec(
            key: key, kind: .ints(bound), fallback: value.map { .list($0.map(ConfigValue.int)) }, isRequired: false)
    }
    static func size(_ key: String, _ value: Int?, _ bound: ConfigBound = .atLeast(1)) -> OptionSpec {
        OptionSpec(key: key, kind: .size(bound), fallback: value.map(ConfigValue.int), isRequired: false)
    }
    /// An integer-or-`[height, width]` option whose default is a library type's ``Descent/Size2D``.
    static func size(_ key: String, size value: Size2D, _ bound: ConfigBound = .atLeast(1)) -> OptionSpec {
        let fallback: ConfigValue =
            value.height == value.width
            ? .int(value.height)
            : .list([.int(value.height), .int(value.width)])
        return OptionSpec(key: key, kind: .size(bound), fallback: fallback, isRequired: false)
    }
    /// The same option, required.
    func required() -> OptionSpec { OptionSpec(key: key, kind: kind, fallback: nil, isRequired: true) }
    /// Notes for the keys of `others` that `own` lacks ("is not an option of adam (its options: lr, …)"), for
    /// ``SectionReader/finish(known:elsewhere:)``.
    static func misplaced(_ others: [String], own: [String], in what: String) -> [String: String] {
        let options = own.isEmpty ? " (it has none)" : " (its options: \(own.joined(separator: ", ")))"
        return Dictionary(others.filter { !own.contains($0) }.map { ($0, "is not an option of \(what)" + options) }) {
            a, _ in a
        }
    }

    /// A required output count (`out_features`).
    static func outputs(_ key: String) -> OptionSpec {
        OptionSpec(key: key, kind: .outputs, fallback: nil, isRequired: true)
    }

    /// Reads the option's value from `node` (at `path`).
    func read(_ node: ConfigNode, _ path: String) throws -> ConfigValue {
        func items(_ bound: ConfigBound, _ convert: (ConfigNode, String, ConfigBound) throws -> ConfigValue) throws
            -> [ConfigValue]
        {
            guard case .sequence(let list) = node.content else {
                throw DescentError(
                    .config, node.origin.location(path), "expected a list such as [1, 2], got \(node.described)")
            }
            return try list.enumerated().map { try convert($1, "\(path)[\($0)]", bound) }
        }
        switch kind {
        case .number(let b): return .number(try SectionReader.number(node, path, b))
        case .int(let b): return .int(try SectionReader.integer(node, path, b))
        case .bool: return .bool(try SectionReader.flag(node, path))
        case .choice(let choices): return .string(try SectionReader.choice(node, path, choices))
        case .numbers(let count, let b):
            let values = try items(b) { .number(try SectionReader.number($0, $1, $2)) }
            if let count, values.count != count {
                throw DescentError(
                    .config, node.origin.location(path), "expected a list of \(count) numbers, got \(values.count)")
            }
            return .list(values)
        case .ints(let b):
            let values = try items(b) { .int(try SectionReader.integer($0, $1, $2)) }
            guard !values.isEmpty else {
                throw DescentError(.config, node.origin.location(path), "expected a non-empty list of integers")
            }
            return .list(values)
        case .size(let b):
            if case .sequence = node.content {
                let values = try items(b) { .int(try SectionReader.integer($0, $1, $2)) }
                guard values.count == 2 else {
                    throw DescentError(
                        .config, node.origin.location(path),
                        "expected an integer or [height, width], got a list of \(values.count)")
                }
                return .list(values)
            }
            return .int(try SectionReader.integer(node, path, b))
        case .outputs:
            if node.scalar == "classes" { return .string("classes") }
            guard case .scalar(let s, true) = node.content, let v = Int(s) else {
                throw DescentError(
                    .config, node.origin.location(path), "expected an integer or 'classes', got \(node.described)")
            }
            if let why = ConfigBound.atLeast(1).violation(Double(v)) {
                throw DescentError(.config, node.origin.location(path), why)
            }
            return .int(v)
        }
    }
}

extension SectionReader {
    /// Reads the options of `specs` (with their defaults) into a bag.
    ///
    /// - Throws: for a value of the wrong type or range, or a missing required option (`what` names the choice
    ///   in that message: "required by conv2d").
    func options(_ specs: [OptionSpec], for what: String) throws -> ConfigOptions {
        var options = ConfigOptions()
        for spec in specs {
            if let n = value(spec.key) {
                options[spec.key] = try spec.read(n, keyPath(spec.key))
            } else if spec.isRequired {
                throw error(spec.key, "missing (required by \(what))")
            } else if let v = spec.fallback {
                options[spec.key] = v
            }
        }
        return options
    }
}

extension ConfigOptions {
    /// Option `key` (an integer or `[height, width]`) as a ``Size2D``.
    func size(_ key: String) -> Size2D? {
        switch values[key] {
        case .int(let n): return Size2D(n)
        case .list(let l) where l.count == 2: return Size2D(l[0].int ?? 0, l[1].int ?? 0)
        default: return nil
        }
    }

    /// Option `key` as a `Float`.
    func float(_ key: String) -> Float? { double(key).map(Float.init) }

    /// The two numbers of option `key` as a closed range.
    func range(_ key: String) -> ClosedRange<Double>? {
        guard let v = doubles(key), v.count == 2 else { return nil }
        return min(v[0], v[1])...max(v[0], v[1])
    }
}

extension SectionReader {
    /// Reads a list item written as a bare `name` or as `{name: …, option: …}`: the name (one of `choices`, a
    /// `what`) and a reader over the item's options.
    func namedItem(_ item: ConfigNode, path: String, choices: [String], what: String) throws -> (
        name: String, options: SectionReader
    ) {
        if case .scalar = item.content, !item.isNull {
            let name = try SectionReader.choice(item, path, choices, what: what)
            return (name, try section(item: .emptyMapping(item.origin), path: path))
        }
        let reader = try section(item: item, path: path)
        guard let name = try reader.choice("name", choices, what: what) else {
            throw reader.error("name", "missing: write each item as a \(what) name or {name: …, option: value}")
        }
        return (name, reader)
    }
}

extension ConfigOptions {
    /// The defaults of `specs`.
    static func defaults(_ specs: [OptionSpec]) -> ConfigOptions {
        ConfigOptions(Dictionary(uniqueKeysWithValues: specs.compactMap { s in s.fallback.map { (s.key, $0) } }))
    }

    /// These options with `other`'s values added or replacing them.
    func merging(_ other: ConfigOptions) -> ConfigOptions {
        ConfigOptions(values.merging(other.values) { $1 })
    }
}
