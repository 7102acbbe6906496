import Descent

/// Where each key of a parsed configuration was written, so that problems found later (a missing data file,
/// layers that do not chain) name the file, line and key. It takes no part in equality: two configurations
/// with the same values are equal wherever they were written.
struct SourceMap: Sendable, Equatable {
    var origins: [String: ConfigOrigin] = [:]

    static func == (lhs: SourceMap, rhs: SourceMap) -> Bool { true }

    /// `"file:line dotted.key"` where the key was written, or the bare key for a value that was not.
    func location(_ path: String) -> String { origins[path]?.location(path) ?? path }

    /// A `.config` error about `path`.
    func error(_ path: String, _ reason: String) -> DescentError { DescentError(.config, location(path), reason) }
}

/// A range a number must lie in, with the message when it does not.
enum ConfigBound {
    case any, positive, nonNegative, atLeast(Double), fraction, probability, openUnit, halfOpenUnit

    /// `nil` when `v` is in range, otherwise why not.
    func violation(_ v: Double) -> String? {
        let text = ConfigValue.number(v).description
        switch self {
        case .any: return nil
        case .positive: return v > 0 ? nil : "must be greater than 0, got \(text)"
        case .nonNegative: return v >= 0 ? nil : "must not be negative, got \(text)"
        case .atLeast(let m): return v >= m ? nil : "must be at least \(ConfigValue.number(m).description), got \(text)"
        case .fraction: return v >= 0 && v < 1 ? nil : "must be in [0, 1), got \(text)"
        case .probability: return v >= 0 && v <= 1 ? nil : "must be in [0, 1], got \(text)"
        case .openUnit: return v > 0 && v < 1 ? nil : "must be in (0, 1), got \(text)"
        case .halfOpenUnit: return v > 0 && v <= 1 ? nil : "must be in (0, 1], got \(text)"
        }
    }
}

/// Reads one mapping of a configuration strictly: typed values with their ranges, and — in ``finish(known:elsewhere:)``
/// — an error for every key that was not read, with a "did you mean" suggestion.
final class SectionReader {
    /// The dotted path of the section (`""` for the document).
    let path: String
    /// Where the section was written: its key's line (its parent's, when it is absent).
    let origin: ConfigOrigin
    /// The section's entries (none when absent or null).
    let entries: [ConfigNode.Entry]
    private let sources: Box
    private var used: [String] = []

    /// Shared record of where keys were written.
    final class Box {
        var map = SourceMap()
    }

    /// Reads `node` (absent or `null`: an empty section) at `path`.
    ///
    /// - Throws: when the node is a scalar or a list.
    init(_ node: ConfigNode?, path: String, origin: ConfigOrigin, sources: Box) throws {
        self.path = path
        self.sources = sources
        self.origin = origin
        guard let node, !node.isNull else {
            entries = []
            return
        }
        guard case .mapping(let entries) = node.content else {
            throw DescentError(
                .config, node.origin.location(path), "expected a section of key: value lines, got \(node.described)")
        }
        self.entries = entries
    }

    /// The dotted path of `key` in this section.
    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Where `key` was written, or the section when it was not.
    func location(_ key: String) -> String { (entry(key)?.location ?? origin).location(keyPath(key)) }

    /// A `.config` error about `key`.
    func error(_ key: String, _ reason: String) -> DescentError { DescentError(.config, location(key), reason) }

    /// Whether `key` is written with a non-null value.
    func has(_ key: String) -> Bool { entry(key).map { !$0.value.isNull } ?? false }

    private func entry(_ key: String) -> ConfigNode.Entry? { entries.first { $0.key == key } }

    /// The node of `key` (possibly `null`), marking the key as read; `nil` when absent.
    func node(_ key: String) -> ConfigNode? {
        if !used.contains(key) { used.append(key) }
        guard let e = entry(key) else { return nil }
        sources.map.origins[keyPath(key)] = e.location
        return e.value
    }

    /// The node of `key` unless absent or `null`.
    func value(_ key: String) -> ConfigNode? { node(key).flatMap { $0.isNull ? nil : $0 } }

    /// Records where the list item `path` was written.
    func record(_ path: String, _ origin: ConfigOrigin) { sources.map.origins[path] = origin }

    /// Where the keys read so far were written.
    var sourceMap: SourceMap { sources.map }

    /// The sub-section `key` (empty when absent).
    func section(_ key: String) throws -> SectionReader {
        try SectionReader(node(key), path: keyPath(key), origin: entry(key)?.location ?? origin, sources: sources)
    }

    /// The sub-section of a list item.
    func section(item: ConfigNode, path: String) throws -> SectionReader {
        try SectionReader(item, path: path, origin: item.origin, sources: sources)
    }

    // MARK: Typed values (nil when absent or null)

    /// A real number in `bound`.
    func double(_ key: String, _ bound: ConfigBound = .any) throws -> Double? {
        try value(key).map { try Self.number($0, keyPath(key), bound) }
    }

    /// A whole number in `bound`.
    func int(_ key: String, _ bound: ConfigBound = .any) throws -> Int? {
        try value(key).map { try Self.integer($0, keyPath(key), bound) }
    }

    /// `true` or `false`.
    func bool(_ key: String) throws -> Bool? {
        try value(key).map { try Self.flag($0, keyPath(key)) }
    }

    /// A string (any scalar).
    func string(_ key: String) throws -> String? {
        try value(key).map { try Self.text($0, keyPath(key)) }
    }

    /// One of `choices`, as a `what` (for the message: "unknown optimizer 'x'").
    func choice(_ key: String, _ choices: [String], what: String? = nil) throws -> String? {
        try value(key).map { try Self.choice($0, keyPath(key), choices, what: what) }
    }

    /// The items of a list (each with its path `key[i]`).
    func list(_ key: String) throws -> [(node: ConfigNode, path: String)]? {
        guard let n = value(key) else { return nil }
        guard case .sequence(let items) = n.content else {
            throw DescentError(.config, n.origin.location(keyPath(key)), "expected a list, got \(n.described)")
        }
        return items.enumerated().map { i, item in
            let p = "\(keyPath(key))[\(i)]"
            record(p, item.origin)
            return (item, p)
        }
    }

    /// A list of strings; with `single`, a lone string is a list of one.
    func strings(_ key: String, single: Bool = false) throws -> [String]? {
        if single, let n = value(key), case .scalar = n.content { return [try Self.text(n, keyPath(key))] }
        return try list(key)?.map { try Self.text($0.node, $0.path) }
    }

    // MARK: Unknown keys

    /// Throws for the first key that was not read: with the note in `elsewhere` when the key means something
    /// in another context ("only used with dataset shapes"), else as unknown, suggesting the closest of `known`
    /// (default: the keys read).
    func finish(known: [String]? = nil, elsewhere: [String: String] = [:]) throws {
        for e in entries where !used.contains(e.key) {
            let location = e.location.location(keyPath(e.key))
            if let note = elsewhere[e.key] { throw DescentError(.config, location, note) }
            let names = known ?? used
            if let s = Self.suggestion(for: e.key, among: names) {
                throw DescentError(.config, location, "unknown key (did you mean '\(s)'?)")
            }
            throw DescentError(.config, location, "unknown key (known keys: \(names.joined(separator: ", ")))")
        }
    }

    // MARK: Conversions

    /// A finite number from a plain scalar (integers too; `_` separators allowed).
    static func number(_ node: ConfigNode, _ path: String, _ bound: ConfigBound = .any) throws -> Double {
        guard case .scalar(let s, true) = node.content, !node.isNull,
            let v = Double(s.replacingOccurrences(of: "_", with: "")), v.isFinite
        else {
            throw DescentError(.config, node.origin.location(path), "expected a number, got \(node.described)")
        }
        if let why = bound.violation(v) { throw DescentError(.config, node.origin.location(path), why) }
        return v
    }

    /// An integer from a plain scalar.
    static func integer(_ node: ConfigNode, _ path: String, _ bound: ConfigBound = .any) throws -> Int {
        guard case .scalar(let s, true) = node.content, !node.isNull,
            let v = Int(s.replacingOccurrences(of: "_", with: ""))
        else {
            throw DescentError(.config, node.origin.location(path), "expected an integer, got \(node.described)")
        }
        if let why = bound.violation(Double(v)) {
            throw DescentError(.config, node.origin.location(path), why)
        }
        return v
    }

    /// `true` or `false` (any case) from a plain scalar.
    static func flag(_ node: ConfigNode, _ path: String) throws -> Bool {
        if case .scalar(let s, true) = node.content {
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        throw DescentError(.config, node.origin.location(path), "expected true or false, got \(node.described)")
    }

    /// The text of a non-null scalar.
    static func text(_ node: ConfigNode, _ path: String) throws -> String {
        guard case .scalar(let s, _) = node.content, !node.isNull else {
            throw DescentError(.config, node.origin.location(path), "expected a string, got \(node.described)")
        }
        return s
    }

    /// One of `choices`.
    static func choice(_ node: ConfigNode, _ path: String, _ choices: [String], what: String? = nil) throws -> String {
        let s = try text(node, path)
        guard choices.contains(s) else {
            let hint = suggestion(for: s, among: choices).map { "did you mean '\($0)'? " } ?? ""
            let label = what.map { "unknown \($0) '\(s)'" } ?? "'\(s)' is not one of the choices"
            throw DescentError(
                .config, node.origin.location(path), "\(label) (\(hint)available: \(choices.joined(separator: ", ")))")
        }
        return s
    }

    /// The closest of `names` to `name`: equal up to case, `_` and `-`, or within a small edit distance.
    static func suggestion(for name: String, among names: [String]) -> String? {
        func squeeze(_ s: String) -> String { s.lowercased().filter { $0 != "_" && $0 != "-" } }
        if let same = names.first(where: { squeeze($0) == squeeze(name) }) { return same }
        let limit = name.count < 3 ? 0 : max(1, min(3, name.count / 3))
        let scored = names.map { ($0, editDistance(squeeze(name), squeeze($0))) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Edit distance between two strings: insertions, deletions, substitutions and swaps of neighbours.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
