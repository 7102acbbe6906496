import Descent
import Foundation

/// Reading a configuration document (YAML or JSON), shared by the training and the GAN configurations: the file,
/// its top-level mapping with the `--set` overrides applied, and the top-level `seed`.
enum ConfigFile {
    /// The document in the file at `url`, with the relative paths of `dataPaths` in its `data` section (and of
    /// `modelPaths` in `model`) made absolute against the file's folder.
    ///
    /// - Throws: ``DescentError`` naming the file when it is missing, a folder, unreadable or not UTF-8, or of kind
    ///   `.config` for a syntax error.
    static func read(_ url: URL, dataPaths: [String], modelPaths: [String] = []) throws -> ConfigNode {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw DescentError(
                .file, name, isFolder.boolValue ? "is a folder, not a configuration file" : "no such configuration file"
            )
        }
        guard let bytes = FileManager.default.contents(atPath: url.path) else {
            throw DescentError(.file, name, "cannot read the file")
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw DescentError(.file, name, "is not UTF-8 text")
        }
        var root = try ConfigNode.parse(yaml: text, source: name)
        root.resolvePaths(dataPaths, inSection: "data", relativeTo: url.deletingLastPathComponent())
        root.resolvePaths(modelPaths, inSection: "model", relativeTo: url.deletingLastPathComponent())
        return root
    }

    /// The document's top-level mapping (an empty document is an empty mapping) with `overrides`
    /// (`dotted.key=value`) applied; `sections` (e.g. `data:, model:`) names what a document holds in the error.
    ///
    /// - Throws: ``DescentError`` of kind `.config` when the document is not a mapping or an override is invalid.
    static func root(_ document: ConfigNode, overrides: [String], sections: String) throws -> ConfigNode {
        var root = document
        if root.isNull { root = .emptyMapping(root.origin) }
        guard case .mapping = root.content else {
            throw DescentError(
                .config, root.origin.location(""), "expected sections such as \(sections), got \(root.described)")
        }
        for o in overrides { try root.apply(override: o) }
        return root
    }
}

extension SectionReader {
    /// The top-level `seed`: a non-negative integer (underscores allowed), or `nil` when absent.
    ///
    /// - Throws: ``DescentError`` of kind `.config` for any other value.
    func seed() throws -> UInt64? {
        guard let n = value("seed") else { return nil }
        guard case .scalar(let s, true) = n.content, let v = UInt64(s.replacingOccurrences(of: "_", with: "")) else {
            throw error("seed", "expected a non-negative integer, got \(n.described)")
        }
        return v
    }
}
