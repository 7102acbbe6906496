import Descent
import Foundation
import Yams

/// Where a value of a configuration was written: a line of the configuration file, or a `--set` override.
enum ConfigOrigin: Sendable, Equatable {
    /// Line `line` (from 1) of the document named `source`.
    case file(source: String, line: Int)
    /// A `--set` override.
    case override

    /// `"source:line dotted.key"` or `"--set dotted.key"`: the location of an error about `path`.
    func location(_ path: String) -> String {
        switch self {
        case .file(let source, let line): return path.isEmpty ? "\(source):\(line)" : "\(source):\(line) \(path)"
        case .override: return "--set \(path)"
        }
    }
}

/// A YAML (or JSON) document as a tree whose every node knows where it was written, so that configuration
/// errors can name the file, the line and the dotted key.
///
/// Scalars keep their text and whether they were plain (unquoted): only plain scalars are read as numbers,
/// booleans or null, so `"0.1"` in quotes stays a string.
struct ConfigNode: Sendable {
    /// A mapping entry: the key, where the key was written, and the value.
    struct Entry: Sendable {
        var key: String
        var origin: ConfigOrigin
        var value: ConfigNode

        /// Where the entry's value came from: the key's line, or `--set` when an override replaced the value.
        var location: ConfigOrigin { value.origin == .override ? .override : origin }
    }

    /// What the node holds.
    enum Content: Sendable {
        case scalar(String, plain: Bool)
        case mapping([Entry])
        case sequence([ConfigNode])
    }

    var content: Content
    var origin: ConfigOrigin

    init(content: Content, origin: ConfigOrigin) {
        self.content = content
        self.origin = origin
    }

    /// An empty mapping.
    static func emptyMapping(_ origin: ConfigOrigin) -> ConfigNode { ConfigNode(content: .mapping([]), origin: origin) }

    /// Whether the node is YAML's null (`null`, `~` or nothing).
    var isNull: Bool {
        guard case .scalar(let s, true) = content else { return false }
        return s.isEmpty || s == "~" || s.lowercased() == "null"
    }

    /// Whether the node is a plain `false`.
    var isFalse: Bool {
        if case .scalar(let s, true) = content { return s.lowercased() == "false" }
        return false
    }

    /// The text of a scalar.
    var scalar: String? {
        if case .scalar(let s, _) = content { return s }
        return nil
    }

    /// How the node is described in "got …" messages: `'text'`, `null`, `a list` or `a mapping`.
    var described: String {
        switch content {
        case .scalar(let s, let plain): return isNull ? "null" : plain ? "'\(s)'" : "\"\(s)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// The entry for `key` in a mapping.
    subscript(key: String) -> Entry? {
        guard case .mapping(let entries) = content else { return nil }
        return entries.first { $0.key == key }
    }

    // MARK: Parsing

    /// Parses a YAML or JSON document named `source` (a path, for messages); an empty document is an empty
    /// mapping.
    ///
    /// - Throws: ``DescentError`` of kind `.config` located at `source:line` for a syntax error.
    static func parse(yaml: String, source: String) throws -> ConfigNode {
        do {
            guard let root = try Yams.compose(yaml: yaml) else { return .emptyMapping(.file(source: source, line: 1)) }
            return try ConfigNode(root) { .file(source: source, line: $0) }
        } catch let error as YamlError {
            throw syntaxError(error, yaml: yaml) { line in "\(source):\(line)" }
        }
    }

    /// Parses the value of an override (`--set key=VALUE`) as a YAML scalar or flow collection.
    static func parseOverride(value: String, key: String) throws -> ConfigNode {
        do {
            guard let root = try Yams.compose(yaml: value) else {
                return ConfigNode(content: .scalar("", plain: true), origin: .override)
            }
            return try ConfigNode(root) { _ in .override }
        } catch let error as YamlError {
            throw syntaxError(error, yaml: value) { _ in "--set \(key)" }
        } catch let error as DescentError {
            throw DescentError(.config, "--set \(key)", error.reason)
        }
    }

    /// Converts a Yams node, giving each node the origin `origin(line)`.
    private init(_ node: Node, origin: (Int) -> ConfigOrigin) throws {
        let line = node.mark?.line ?? 1
        self.origin = origin(line)
        switch node {
        case .scalar(let s):
            content = .scalar(s.string, plain: s.style == .plain || s.style == .any)
        case .sequence(let seq):
            content = .sequence(try seq.map { try ConfigNode($0, origin: origin) })
        case .mapping(let map):
            var entries: [Entry] = []
            for (k, v) in map {
                guard case .scalar(let key) = k else {
                    throw DescentError(
                        .config, origin(k.mark?.line ?? line).location(""),
                        "a mapping key must be a plain name, not \(k.sequence != nil ? "a list" : "a mapping")")
                }
                entries.append(
                    Entry(
                        key: key.string, origin: origin(k.mark?.line ?? line), value: try ConfigNode(v, origin: origin))
                )
            }
            content = .mapping(entries)
        case .alias:
            throw DescentError(.config, origin(line).location(""), "unresolved YAML alias")
        }
    }

    /// A one-line error for a YAML syntax error, located by `location(line)`.
    private static func syntaxError(_ error: YamlError, yaml: String, location: (Int) -> String) -> DescentError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return DescentError(.config, location(mark.line), "invalid YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return DescentError(
                .config, location(context.mark.line),
                "invalid YAML: key \(keys) appears more than once in the same mapping")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { o in yaml.prefix(o).reduce(1) { $0 + ($1 == "\n" ? 1 : 0) } } ?? 1
            return DescentError(.config, location(line), "invalid YAML: \(problem)")
        default:
            return DescentError(.config, location(1), "invalid YAML: \(error)")
        }
    }

    // MARK: Overrides

    /// One step of an override's key: a mapping key or a list index (`layers[2]`).
    enum PathComponent: Equatable {
        case key(String)
        case index(Int)
    }

    /// Splits `optimizer.groups[0].lr` into its components.
    static func path(_ key: String) throws -> [PathComponent] {
        var components: [PathComponent] = []
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            guard let name = rest.split(separator: "[", maxSplits: 1, omittingEmptySubsequences: false).first,
                !name.isEmpty
            else {
                throw DescentError(.config, "--set \(key)", "expected dotted.key=value, such as optimizer.lr=0.01")
            }
            components.append(.key(String(name)))
            rest = rest.dropFirst(name.count)
            while rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"),
                    let i = Int(rest[rest.index(after: rest.startIndex)..<close]), i >= 0
                else {
                    throw DescentError(.config, "--set \(key)", "expected a list index such as layers[2]")
                }
                components.append(.index(i))
                rest = rest[rest.index(after: close)...]
            }
            guard rest.isEmpty else {
                throw DescentError(.config, "--set \(key)", "expected a list index such as layers[2]")
            }
        }
        return components
    }

    /// Applies `dotted.key=value`: sets the value at the key, creating the sections on the way.
    ///
    /// - Throws: ``DescentError`` located at `--set dotted.key` for a malformed override or a list index that
    ///   does not exist.
    mutating func apply(override text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw DescentError(.config, "--set \(text)", "expected dotted.key=value, such as optimizer.lr=0.01")
        }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        let value = try ConfigNode.parseOverride(value: String(text[text.index(after: eq)...]), key: key)
        try set(value, at: ConfigNode.path(key)[...], key: key)
    }

    private mutating func set(_ value: ConfigNode, at path: ArraySlice<PathComponent>, key: String) throws {
        guard let first = path.first else {
            self = value
            return
        }
        switch first {
        case .key(let name):
            guard case .mapping(var entries) = content else {
                if case .sequence = content {
                    throw DescentError(
                        .config, "--set \(key)", "'\(name)' is looked up in a list; use an index such as [0]")
                }
                // A scalar or null section (`early_stopping: null`) becomes a section.
                self = .emptyMapping(.override)
                return try set(value, at: path, key: key)
            }
            if let i = entries.firstIndex(where: { $0.key == name }) {
                try entries[i].value.set(value, at: path.dropFirst(), key: key)
            } else {
                var child = ConfigNode.emptyMapping(.override)
                try child.set(value, at: path.dropFirst(), key: key)
                entries.append(Entry(key: name, origin: .override, value: child))
            }
            content = .mapping(entries)
        case .index(let i):
            guard case .sequence(var items) = content, i < items.count else {
                let count =
                    if case .sequence(let items) = content { "the list has \(items.count) items" } else {
                        "the value is not a list"
                    }
                throw DescentError(.config, "--set \(key)", "no item [\(i)] to set (\(count))")
            }
            try items[i].set(value, at: path.dropFirst(), key: key)
            content = .sequence(items)
        }
    }
}
