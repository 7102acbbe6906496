import Descent
import Foundation

/// Finding a dataset's files in the data directory, else in the download cache (downloading them there).
extension DataDirectory {
    /// `sha256`, or the test override for `name`.
    static func checksum(_ name: String, _ sha256: String?) -> String? {
        DatasetDownloader.overrides?.checksums[name] ?? sha256
    }

    /// `files` with the test checksum overrides applied.
    static func overridden(_ files: [KnownFile]) -> [KnownFile] {
        files.map {
            KnownFile(
                name: $0.name, gzipSHA256: checksum($0.name + ".gz", $0.gzipSHA256),
                rawSHA256: checksum($0.name, $0.rawSHA256), rawSize: $0.rawSize)
        }
    }

    /// The files `downloads` (name and checksum) in the cache folder of `remote`, downloading the missing ones
    /// when `download` is set and `DESCENT_OFFLINE` does not forbid it.
    ///
    /// - Throws: the downloader's checksum error when a download did not match, else a ``DescentError`` for
    ///   `dataset` listing the folders searched (`searched` and the cache), the URLs tried and why they failed,
    ///   and how to get the files.
    static func cached(
        dataset: String, remote: RemoteSource, downloads: [(name: String, sha256: String?)],
        verify: Bool, download: Bool, searched: [URL], explicit: URL?, looked: String,
        howToGet: String
    ) throws -> [URL] {
        let fm = FileManager.default
        let cache = DatasetDownloader.cacheRoot().appendingPathComponent(remote.folder, isDirectory: true)
        let downloads = downloads.map { (name: $0.name, sha256: checksum($0.name, $0.sha256)) }
        var urls = [URL]()
        var failure: DatasetDownloader.Failure?
        var offline = false
        for file in downloads {
            let url = cache.appendingPathComponent(file.name)
            if fm.fileExists(atPath: url.path) {
                if verify { try check(url, sha256: file.sha256, size: nil) }
                urls.append(url)
                continue
            }
            guard download, !DatasetDownloader.isOffline else { offline = true; break }
            let mirrors = DatasetDownloader.mirrors(folder: remote.folder, published: remote.mirrors)
            let downloader = DatasetDownloader(mirrors: mirrors, timeout: DatasetDownloader.overrides?.timeout ?? 30)
            do {
                urls.append(try downloader.fetch(file.name, sha256: file.sha256, into: cache))
            } catch let f as DatasetDownloader.Failure {
                if f.attempts.contains(where: \.checksumMismatch) { throw f.descentError }
                failure = f
                break
            }
        }
        if urls.count == downloads.count { return urls }
        let folders = distinctPaths(searched + [cache]).joined(separator: ", ")
        let noRoot =
            root(explicit) == nil
            ? "no data directory: pass one, or set \(environmentVariable) to the folder that holds `\(remote.folder)/`; "
            : ""
        let fetched: String
        if offline {
            fetched =
                download
                ? "downloading is off (\(DatasetDownloader.offlineEnvironmentVariable) is set)"
                : "downloading is off (download: false)"
        } else if let failure {
            fetched = "downloading failed: \(failure.summary)"
        } else {
            fetched = "downloading failed"
        }
        let destinations = distinctPaths([searched.first ?? cache, cache]).map { "\($0)/" }.joined(separator: " or ")
        throw DescentError(
            .file, dataset,
            "\(noRoot)files not found: looked for \(looked) in \(folders); \(fetched). \(howToGet) Put them in \(destinations), or go online so they are downloaded on first use."
        )
    }

    /// The paths of `folders`, each once, in order (the cache folder may be one of the data directory's).
    static func distinctPaths(_ folders: [URL]) -> [String] {
        var seen = Set<String>()
        return folders.map(\.standardizedFileURL.path).filter { seen.insert($0).inserted }
    }

    /// Finds every file of `files` (each as `name.gz` or `name`) under the data directory, else in the cache
    /// folder of `remote`, downloading the gzip files there when allowed, and returns each file's URL, checked
    /// when `verify` is set (downloads are always checked).
    static func locate(
        dataset: String, explicit: URL?, folders: [String], files: [KnownFile], verify: Bool,
        howToGet: String, remote: RemoteSource, download: Bool
    ) throws -> [URL] {
        let files = overridden(files)
        var searched = [URL]()
        if let root = root(explicit) {
            searched = candidates(root: root, folders: folders, explicit: explicit)
            if let found = find(files, in: searched) {
                if verify { try self.verify(found, files) }
                return found
            }
        }
        return try cached(
            dataset: dataset, remote: remote, downloads: files.map { ($0.name + ".gz", $0.gzipSHA256) },
            verify: verify, download: download, searched: searched, explicit: explicit,
            looked: files.map { "\($0.name)[.gz]" }.joined(separator: ", "), howToGet: howToGet)
    }
}
