import Descent
import Foundation

/// Where the built-in datasets (``MNIST``, ``FashionMNIST``, ``CIFAR10``, ``SklearnDigits``,
/// ``FreeSpokenDigits``) find their files, and how they check them.
///
/// The data directory is the one passed to the dataset, else the one named by the environment variable
/// `DESCENT_DATA`. It holds one folder per dataset (`mnist/`, `fashion-mnist/`, `cifar10/`, `sklearn-digits/`,
/// `free-spoken-digit/`); torchvision's layout (`MNIST/raw/`, `FashionMNIST/raw/`) is accepted too, and a
/// directory passed explicitly may also be the dataset's own folder. Files may be gzip-compressed (`name.gz`)
/// or not. Files are checked against their published SHA-256 checksums where those exist (otherwise against
/// their published sizes). ``MNIST``, ``FashionMNIST`` and ``CIFAR10`` fall back on a cache directory, into
/// which ``DatasetDownloader`` downloads their files on first use; when files are missing and cannot be
/// downloaded, the error says where they were looked for, which URLs were tried, and where to get them.
public enum DataDirectory {
    /// The environment variable naming the data directory.
    public static let environmentVariable = "DESCENT_DATA"

    /// The data directory: `explicit` if given, else `$DESCENT_DATA` if set and not empty, else `nil`.
    public static func root(_ explicit: URL? = nil) -> URL? {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return nil
    }

    /// A file a dataset needs, with what is known about it.
    struct KnownFile: Sendable {
        /// The file name without `.gz`.
        let name: String
        /// Published SHA-256 of the gzip-compressed file, if any.
        let gzipSHA256: String?
        /// Published SHA-256 of the uncompressed file, if any.
        let rawSHA256: String?
        /// Size in bytes of the uncompressed file, if known.
        let rawSize: Int?
    }

    /// The data directory, or an error saying that none is set.
    static func requireRoot(dataset: String, explicit: URL?, folder: String, howToGet: String) throws -> URL {
        guard let root = root(explicit) else {
            throw DescentError(
                .file, dataset,
                "no data directory: pass one, or set \(environmentVariable) to the folder that holds `\(folder)/`. \(howToGet)"
            )
        }
        return root
    }

    /// The folders to search under `root`: each of `folders`, then `root` itself when it was passed explicitly.
    static func candidates(root: URL, folders: [String], explicit: URL?) -> [URL] {
        folders.map { root.appendingPathComponent($0, isDirectory: true) } + (explicit != nil ? [root] : [])
    }

    /// The URLs of every file of `files` (each as `name.gz` or `name`) in the first of `candidates` that holds
    /// them all, or `nil`.
    static func find(_ files: [KnownFile], in candidates: [URL]) -> [URL]? {
        let fm = FileManager.default
        for dir in candidates {
            var found = [URL]()
            for f in files {
                let gz = dir.appendingPathComponent(f.name + ".gz"), raw = dir.appendingPathComponent(f.name)
                if fm.fileExists(atPath: gz.path) {
                    found.append(gz)
                } else if fm.fileExists(atPath: raw.path) {
                    found.append(raw)
                } else {
                    break
                }
            }
            if found.count == files.count { return found }
        }
        return nil
    }

    /// Checks each found file against what is known about it.
    static func verify(_ urls: [URL], _ files: [KnownFile]) throws {
        for (url, f) in zip(urls, files) {
            let gzipped = url.pathExtension == "gz"
            try check(url, sha256: gzipped ? f.gzipSHA256 : f.rawSHA256, size: gzipped ? nil : f.rawSize)
        }
    }

    /// The error for files that were not found.
    static func notFound(dataset: String, looked: String, candidates: [URL], explicit: URL?, howToGet: String)
        -> DescentError
    {
        let places = candidates.map(\.path).joined(separator: ", ")
        return DescentError(
            .file, dataset,
            "files not found: looked for \(looked) in \(places). \(howToGet) Put them in \(candidates[0].path)/ (the data directory is \(explicit != nil ? "the one passed" : "$\(environmentVariable)"))."
        )
    }

    /// Finds the folder holding every file of `files` (each as `name.gz` or `name`) under the data directory
    /// and returns each file's URL, checked when `verify` is set.
    static func locate(
        dataset: String, explicit: URL?, folders: [String], files: [KnownFile], verify: Bool,
        howToGet: String
    ) throws -> [URL] {
        let root = try requireRoot(dataset: dataset, explicit: explicit, folder: folders[0], howToGet: howToGet)
        let candidates = candidates(root: root, folders: folders, explicit: explicit)
        guard let found = find(files, in: candidates) else {
            throw notFound(
                dataset: dataset, looked: files.map { "\($0.name)[.gz]" }.joined(separator: ", "),
                candidates: candidates, explicit: explicit, howToGet: howToGet)
        }
        if verify { try self.verify(found, files) }
        return found
    }

    /// Checks a file's SHA-256 (when a published value is known) or else its size (when known).
    ///
    /// - Throws: ``DescentError`` naming the file, the expected and the actual value.
    static func check(_ url: URL, sha256: String?, size: Int?) throws {
        if let sha256 {
            let actual = try SHA256.hexDigest(ofFileAt: url)
            guard actual == sha256 else {
                throw DescentError(
                    .file, url.path,
                    "SHA-256 is \(actual), but the published checksum is \(sha256): the file is damaged or not the original; delete it and get it again (or pass verify: false to use it anyway)"
                )
            }
        } else if let size {
            let actual = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1
            guard actual == size else {
                throw DescentError(
                    .file, url.path,
                    "size is \(actual) bytes, but the published file has \(size): the file is damaged or not the original"
                )
            }
        }
    }
}
