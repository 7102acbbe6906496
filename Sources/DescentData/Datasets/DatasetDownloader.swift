import Descent
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads the files of a built-in dataset (``MNIST``, ``FashionMNIST``, ``CIFAR10``) into a cache directory on
/// first use.
///
/// Each file is fetched from the first mirror that serves it, written to a temporary file in the target folder,
/// checked against its published SHA-256 and only then renamed into place, so the cache never holds a partial
/// or unverified file. The cache is `$DESCENT_CACHE`, else `~/.cache/descent`, with one folder per dataset
/// (`mnist/`, `fashion-mnist/`, `cifar10/`). `DESCENT_DATA_MIRROR` (comma-separated base URLs) replaces the
/// published mirrors: a file is then fetched from `<base>/<dataset folder>/<file>`, the layout of a data
/// directory. `DESCENT_OFFLINE=1` forbids downloads.
public struct DatasetDownloader: Sendable {
    /// The environment variable naming the cache directory.
    public static let cacheEnvironmentVariable = "DESCENT_CACHE"
    /// The environment variable holding comma-separated mirror base URLs that replace the published ones.
    public static let mirrorEnvironmentVariable = "DESCENT_DATA_MIRROR"
    /// The environment variable that forbids downloads when set to `1` (or `true`, `yes`).
    public static let offlineEnvironmentVariable = "DESCENT_OFFLINE"

    /// The base URLs tried in order; a file `name` is fetched from `base/name`.
    public var mirrors: [URL]
    /// Seconds to wait for a server to answer (or to send more data) before trying the next mirror.
    public var timeout: TimeInterval

    /// A downloader trying `mirrors` in order, giving up on one after `timeout` seconds without data.
    public init(mirrors: [URL], timeout: TimeInterval = 30) {
        self.mirrors = mirrors
        self.timeout = timeout
    }

    /// One failed try: the URL and why it failed.
    public struct Attempt: Sendable, Equatable {
        /// The URL tried.
        public let url: URL
        /// Why it failed, in a few words.
        public let reason: String
        /// Whether the file arrived but did not match its checksum.
        public let checksumMismatch: Bool
    }

    /// The error thrown when no mirror delivered a good copy of a file.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The file that could not be downloaded.
        public let file: String
        /// Every URL tried, with why it failed.
        public let attempts: [Attempt]

        /// `url (reason); url (reason)`, one line.
        public var summary: String {
            attempts.map { "\($0.url.absoluteString) (\($0.reason))" }.joined(separator: "; ")
        }
        /// `could not download file: url (reason); ...`, one line.
        public var description: String { "could not download \(file): \(summary)" }
        /// The same failure as a ``DescentError``: for a checksum mismatch, one naming the URL and both hashes.
        public var descentError: DescentError {
            if let bad = attempts.first(where: \.checksumMismatch) {
                let others = attempts.filter { $0 != bad }
                return DescentError(
                    .file, bad.url.absoluteString,
                    bad.reason
                        + (others.isEmpty
                            ? ""
                            : "; other tries: "
                                + others.map { "\($0.url.absoluteString) (\($0.reason))" }.joined(separator: "; ")))
            }
            return DescentError(.file, file, "could not download: \(summary)")
        }
    }

    /// The cache directory: `$DESCENT_CACHE` if set and not empty, else `~/.cache/descent`.
    public static func cacheRoot() -> URL {
        if let o = overrides?.cacheRoot { return o }
        if let env = ProcessInfo.processInfo.environment[cacheEnvironmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/descent", isDirectory: true)
    }

    /// Whether downloads are forbidden by `DESCENT_OFFLINE`.
    public static var isOffline: Bool {
        if let o = overrides?.offline { return o }
        let v = ProcessInfo.processInfo.environment[offlineEnvironmentVariable]?.lowercased() ?? ""
        return ["1", "true", "yes"].contains(v)
    }

    /// The mirrors for a dataset whose folder is `folder`: those of `DESCENT_DATA_MIRROR` (each followed by
    /// `folder/`) when set, else `published`.
    public static func mirrors(folder: String, published: [URL]) -> [URL] {
        var bases = overrides?.mirrors
        if bases == nil, let env = ProcessInfo.processInfo.environment[mirrorEnvironmentVariable], !env.isEmpty {
            bases = env.split(separator: ",").compactMap { URL(string: $0.trimmingCharacters(in: .whitespaces)) }
        }
        guard let bases else { return published }
        return bases.map { $0.appendingPathComponent(folder, isDirectory: true) }
    }

    /// Downloads `name` into `directory` (created if needed) from the first mirror that delivers a copy matching
    /// `sha256` (when given), and returns the file's URL.
    ///
    /// The file is written to a temporary file in `directory` and renamed into place only after its checksum
    /// matched; a copy that does not match is deleted and the next mirror is tried.
    ///
    /// - Throws: ``Failure`` listing every URL tried and why it failed.
    public func fetch(_ name: String, sha256: String?, into directory: URL) throws -> URL {
        let fm = FileManager.default
        let destination = directory.appendingPathComponent(name)
        var attempts = [Attempt]()
        let created = !fm.fileExists(atPath: directory.path)
        defer {  // leave no empty folder behind after a failure
            if created, ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? ["?"]).isEmpty {
                try? fm.removeItem(at: directory)
            }
        }
        for base in mirrors {
            let url = base.appendingPathComponent(name)
            do {
                try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                attempts.append(
                    Attempt(
                        url: url, reason: "cannot create \(directory.path): \(error.localizedDescription)",
                        checksumMismatch: false))
                break
            }
            let temporary = directory.appendingPathComponent(".\(name).\(UUID().uuidString).part")
            if let reason = Self.transfer(url, to: temporary, timeout: timeout) {
                try? fm.removeItem(at: temporary)
                attempts.append(Attempt(url: url, reason: reason, checksumMismatch: false))
                continue
            }
            if let sha256 {
                let actual: String
                do { actual = try SHA256.hexDigest(ofFileAt: temporary) } catch {
                    try? fm.removeItem(at: temporary)
                    attempts.append(
                        Attempt(url: url, reason: "cannot read the download: \(error)", checksumMismatch: false))
                    continue
                }
                guard actual == sha256 else {
                    try? fm.removeItem(at: temporary)
                    attempts.append(
                        Attempt(
                            url: url,
                            reason:
                                "SHA-256 of the download is \(actual), but the published checksum is \(sha256): the copy was rejected and deleted",
                            checksumMismatch: true))
                    continue
                }
            }
            guard rename(temporary.path, destination.path) == 0 else {
                let why = String(cString: strerror(errno))
                try? fm.removeItem(at: temporary)
                attempts.append(
                    Attempt(
                        url: url, reason: "cannot move the download to \(destination.path): \(why)",
                        checksumMismatch: false))
                continue
            }
            return destination
        }
        throw Failure(file: name, attempts: attempts)
    }

    /// The outcome of a transfer, set by the completion handler.
    private final class Outcome: @unchecked Sendable {
        var failure: String?
    }

    /// Downloads `url` to `destination`; returns why it failed, or `nil`.
    static func transfer(_ url: URL, to destination: URL, timeout: TimeInterval) -> String? {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = 24 * 3600
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let task = session.dataTask(with: url) { data, response, error in
            defer { done.signal() }
            if let error {
                outcome.failure = describe(error)
            } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                outcome.failure = "HTTP \(http.statusCode)"
            } else if let data {
                do { try data.write(to: destination, options: .withoutOverwriting) } catch {
                    outcome.failure = "cannot write \(destination.path): \(error.localizedDescription)"
                }
            } else {
                outcome.failure = "no data received"
            }
        }
        task.resume()
        done.wait()
        return outcome.failure
    }

    /// A few words for a transfer error.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? URLError else { return error.localizedDescription }
        switch e.code {
        case .cannotConnectToHost: return "cannot connect to the server"
        case .cannotFindHost, .dnsLookupFailed: return "host not found (offline?)"
        case .notConnectedToInternet: return "not connected to the internet"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "connection lost"
        case .badServerResponse: return "bad server response"
        default: return "network error \(e.code.rawValue)"
        }
    }

    /// Settings that replace the environment, for tests (mirrors are base URLs, as in `DESCENT_DATA_MIRROR`;
    /// `checksums` replace the published SHA-256 of the named files).
    struct Overrides: Sendable {
        var mirrors: [URL]? = nil
        var cacheRoot: URL? = nil
        var offline: Bool? = nil
        var checksums: [String: String] = [:]
        var timeout: TimeInterval? = nil
    }

    /// The overrides in effect for the current task, if any.
    @TaskLocal static var overrides: Overrides?
}

/// Where a dataset can be downloaded from.
struct RemoteSource: Sendable {
    /// The dataset's folder in the data and cache directories.
    let folder: String
    /// The published base URLs.
    let mirrors: [URL]
}
