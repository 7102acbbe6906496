import Descent
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain text for a language model, read from one file or from the files of a folder, with an optional line
/// that separates documents (`%` in `fortune` files).
public enum PlainText {
    /// The text of `url` and the files it came from. A file is read whole; a folder gives its regular files in
    /// name order — those whose names match one of `files` (exact names or `*`/`?` patterns) when given —
    /// leaving out hidden files, symbolic links and `.dat` files (the binary indexes next to `fortune` files).
    /// Each file's text ends with a line break. With `separator`, every line that is exactly `separator` is
    /// replaced by an empty line, so documents are kept apart by a blank line.
    ///
    /// - Throws: ``DescentError`` naming the path when it is missing, a folder has no file to read, a pattern
    ///   matches no file, or a file is not UTF-8.
    public static func read(at url: URL, files: [String]? = nil, separator: String? = nil) throws -> (
        text: String, files: [String]
    ) {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DescentError(.file, url.path, "no such file or folder")
        }
        var chosen: [URL]
        if isFolder.boolValue {
            let names = try fm.contentsOfDirectory(atPath: url.path).sorted().filter { name in
                let path = url.appendingPathComponent(name).path
                guard !name.hasPrefix("."), !name.hasSuffix(".dat"),
                    let attributes = try? fm.attributesOfItem(atPath: path),
                    attributes[.type] as? FileAttributeType == .typeRegular
                else { return false }
                return true
            }
            if let files {
                for pattern in files where !names.contains(where: { matches($0, pattern) }) {
                    throw DescentError(.file, url.path, "no file matches \"\(pattern)\"")
                }
                chosen = names.filter { name in files.contains { matches(name, $0) } }.map {
                    url.appendingPathComponent($0)
                }
            } else {
                chosen = names.map { url.appendingPathComponent($0) }
            }
            guard !chosen.isEmpty else { throw DescentError(.file, url.path, "no text file in the folder") }
        } else {
            chosen = [url]
        }
        var text = ""
        for file in chosen {
            guard var s = String(data: try FileBytes.read(file), encoding: .utf8) else {
                throw DescentError(.file, file.path, "is not UTF-8 text")
            }
            if !s.isEmpty && !s.hasSuffix("\n") { s += "\n" }
            text += separator.map { separated(s, by: $0) } ?? s
        }
        return (text, chosen.map(\.lastPathComponent))
    }

    /// `text` with every line that is exactly `separator` made empty.
    static func separated(_ text: String, by separator: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0 == separator ? "" : $0 }
            .joined(separator: "\n")
    }

    /// Whether `name` matches the shell pattern `pattern` (`*`, `?`, `[…]`).
    static func matches(_ name: String, _ pattern: String) -> Bool { fnmatch(pattern, name, 0) == 0 }
}
