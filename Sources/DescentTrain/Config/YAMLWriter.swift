import Foundation

/// Renders configuration values as YAML that ``ConfigNode`` reads back to the same values: block sections,
/// flow lists and mappings, and strings quoted whenever they could be read as something else.
struct YAMLWriter {
    private(set) var lines: [String] = []
    private var indent = 0

    /// The document.
    var text: String { lines.joined(separator: "\n") + "\n" }

    /// `key: value` at the current indentation (nothing when `value` is nil).
    mutating func line(_ key: String, _ value: String?) {
        guard let value else { return }
        lines.append(String(repeating: "  ", count: indent) + "\(key): \(value)")
    }

    /// `key: value` for a configuration value.
    mutating func line(_ key: String, _ value: ConfigValue?) { line(key, value.map(Self.flow)) }

    /// `key:` followed by the lines `body` writes, indented.
    mutating func section(_ key: String, _ body: (inout YAMLWriter) -> Void) {
        lines.append(String(repeating: "  ", count: indent) + "\(key):")
        indent += 1
        body(&self)
        indent -= 1
    }

    /// `key:` followed by one `- item` line per item (`key: []` when there are none).
    mutating func list(_ key: String, _ items: [String]) {
        guard !items.isEmpty else { return line(key, "[]") }
        lines.append(String(repeating: "  ", count: indent) + "\(key):")
        for item in items { lines.append(String(repeating: "  ", count: indent + 1) + "- \(item)") }
    }

    /// A comment line.
    mutating func comment(_ text: String) { lines.append(String(repeating: "  ", count: indent) + "# \(text)") }

    // MARK: Scalars

    /// A value in flow syntax.
    static func flow(_ value: ConfigValue) -> String {
        switch value {
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let d): return number(d)
        case .string(let s): return string(s)
        case .list(let l): return "[" + l.map(flow).joined(separator: ", ") + "]"
        }
    }

    /// `{name: x, key: value, …}` with the options of `options` in the order of `keys`.
    static func item(name: String, _ options: ConfigOptions, order keys: [String]) -> String {
        let pairs = keys.compactMap { k in options[k].map { "\(k): \(flow($0))" } }
        return pairs.isEmpty ? string(name) : "{name: \(string(name)), \(pairs.joined(separator: ", "))}"
    }

    /// A real number that reads back exactly (`0.001`, `1e-08`, `12`).
    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
    }

    /// A string, plain when it cannot be misread, otherwise double-quoted.
    static func string(_ s: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_./-+ "))
        let misread =
            Double(s) != nil || Int(s) != nil
            || ["true", "false", "null", "~", "yes", "no", "on", "off", "y", "n"].contains(s.lowercased())
        if !s.isEmpty, !misread, s.unicodeScalars.allSatisfy(allowed.contains), let first = s.first,
            first.isLetter || first == "/" || first == "." || first == "_",
            s.last != " "
        {
            return s
        }
        let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }
}
