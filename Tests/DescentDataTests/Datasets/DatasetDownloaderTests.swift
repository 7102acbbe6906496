import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Download-on-first-use of the built-in datasets, against a local HTTP server (`python3 -m http.server`'s
/// handler on 127.0.0.1) serving small fake MNIST-format files; no other address is ever contacted.
@Suite(.serialized) struct DatasetDownloaderTests {
    /// A `python3` HTTP server on 127.0.0.1 serving a folder, on a port chosen by the system.
    final class LocalServer {
        let process: Process
        /// The port it listens on.
        let port: Int
        /// `http://127.0.0.1:port/`.
        var base: URL { URL(string: "http://127.0.0.1:\(port)/")! }

        /// Starts a server for `directory`; `nil` (with the reason printed) when python3 cannot be run.
        init?(directory: URL) throws {
            let script = """
                import functools, http.server, sys
                class Quiet(http.server.SimpleHTTPRequestHandler):
                    def log_message(self, *args): pass
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, directory.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch {
                print("skipped: cannot run python3 for the local HTTP server (\(error))")
                return nil
            }
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                print("skipped: python3 did not start the local HTTP server (is python3 installed?)")
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                return nil
            }
            self.port = port
        }

        /// Stops the server and waits for it to exit.
        /// (SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.)
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    /// A served folder holding fake MNIST test files (`mnist/t10k-*.gz`, 5 images) and their SHA-256 checksums.
    static func servedMNIST() throws -> (dir: URL, checksums: [String: String]) {
        let dir = try DataTestFiles.temporaryDirectory("served")
        let mnist = dir.appendingPathComponent("mnist")
        try BuiltinDatasetTests.writeIDXSet(in: mnist, split: .test, n: 5, gzip: true)
        var sums = [String: String]()
        for name in ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            sums[name] = try SHA256.hexDigest(ofFileAt: mnist.appendingPathComponent(name))
        }
        return (dir, sums)
    }

    /// The files in `dir` (none when it does not exist).
    static func contents(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    @Test func firstUseDownloadsIntoTheCacheAndLaterUsesItOffline() throws {
        let (served, sums) = try Self.servedMNIST()
        guard let server = try LocalServer(directory: served) else { return }
        defer { server.stop() }
        let data = try DataTestFiles.temporaryDirectory("data"), cache = try DataTestFiles.temporaryDirectory("cache")
        let overrides = DatasetDownloader.Overrides(
            mirrors: [server.base], cacheRoot: cache, offline: false, checksums: sums, timeout: 10)
        let first = try DatasetDownloader.$overrides.withValue(overrides) { try MNIST(split: .test, directory: data) }
        #expect(first.count == 5)
        #expect(first.label(at: 3) == 3)
        #expect(first.directory.path == cache.appendingPathComponent("mnist").path)
        #expect(
            Self.contents(cache.appendingPathComponent("mnist")) == [
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
            ])
        // With the server gone, the cache alone serves (downloads allowed or not).
        server.stop()
        let second = try DatasetDownloader.$overrides.withValue(overrides) { try MNIST(split: .test, directory: data) }
        #expect(second.count == 5)
        #expect(second.allInputs().isBitwiseEqual(first.allInputs()))
        let third = try DatasetDownloader.$overrides.withValue(overrides) {
            try MNIST(split: .test, directory: data, download: false)
        }
        #expect(third.count == 5)
        // The data directory still comes first.
        try BuiltinDatasetTests.writeIDXSet(in: data.appendingPathComponent("mnist"), split: .test, n: 2, gzip: false)
        let local = try DatasetDownloader.$overrides.withValue(overrides) {
            try MNIST(split: .test, directory: data, verify: false)
        }
        #expect(local.count == 2)
    }

    @Test func aCorruptedDownloadIsRejectedAndLeavesNothingInTheCache() throws {
        let (served, sums) = try Self.servedMNIST()
        // The served images are not the ones whose checksum is expected.
        let images = served.appendingPathComponent("mnist/t10k-images-idx3-ubyte.gz")
        var bytes = try Data(contentsOf: images)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: images)
        let actual = try SHA256.hexDigest(ofFileAt: images)
        guard let server = try LocalServer(directory: served) else { return }
        defer { server.stop() }
        let cache = try DataTestFiles.temporaryDirectory("cache")
        let overrides = DatasetDownloader.Overrides(
            mirrors: [server.base], cacheRoot: cache, offline: false, checksums: sums, timeout: 10)
        let e = DataTestFiles.descentError {
            _ = try DatasetDownloader.$overrides.withValue(overrides) {
                try MNIST(split: .test, directory: try DataTestFiles.temporaryDirectory("data"))
            }
        }
        #expect(e?.location == server.base.absoluteString + "mnist/t10k-images-idx3-ubyte.gz")
        #expect(
            e?.reason.contains(
                "SHA-256 of the download is \(actual), but the published checksum is \(sums["t10k-images-idx3-ubyte.gz"]!)"
            ) == true)
        #expect(Self.contents(cache.appendingPathComponent("mnist")).isEmpty)
    }

    @Test func withNoServerTheErrorNamesTheFoldersAndTheURLs() throws {
        // A port that was just free: nothing listens there any more.
        let (served, sums) = try Self.servedMNIST()
        guard let server = try LocalServer(directory: served) else { return }
        server.stop()
        let data = try DataTestFiles.temporaryDirectory("data"), cache = try DataTestFiles.temporaryDirectory("cache")
        let overrides = DatasetDownloader.Overrides(
            mirrors: [server.base], cacheRoot: cache, offline: false, checksums: sums, timeout: 10)
        let e = DataTestFiles.descentError {
            _ = try DatasetDownloader.$overrides.withValue(overrides) { try MNIST(split: .test, directory: data) }
        }
        #expect(e?.location == "MNIST")
        let reason = e?.reason ?? ""
        #expect(reason.contains("t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"))
        #expect(reason.contains(data.appendingPathComponent("mnist").path))
        #expect(reason.contains(data.appendingPathComponent("MNIST/raw").path))
        #expect(reason.contains(cache.appendingPathComponent("mnist").path))
        #expect(reason.contains("downloading failed: \(server.base.absoluteString)mnist/t10k-images-idx3-ubyte.gz ("))
        #expect(reason.contains("https://ossci-datasets.s3.amazonaws.com/mnist/"))  // how to get them
        #expect(Self.contents(cache.appendingPathComponent("mnist")).isEmpty)
    }

    /// The message for missing files lists each folder once, also when the cache folder is one of the data
    /// directory's or there is no data directory.
    @Test func theMissingFilesMessageListsEachFolderOnce() throws {
        let cache = try DataTestFiles.temporaryDirectory("cache"), data = try DataTestFiles.temporaryDirectory("data")
        let overrides = DatasetDownloader.Overrides(
            mirrors: [URL(string: "http://127.0.0.1:9/")!], cacheRoot: cache,
            offline: false)
        func reason(_ directory: URL?) -> String? {
            DataTestFiles.descentError {
                _ = try DatasetDownloader.$overrides.withValue(overrides) {
                    try MNIST(split: .test, directory: directory, download: false)
                }
            }?.reason
        }
        let looked = "files not found: looked for t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] in"
        let off = "downloading is off (download: false). \(MNIST.howToGet) Put them in"
        let online = ", or go online so they are downloaded on first use."
        let c = cache.path, d = data.path
        #expect(
            reason(data)
                == "\(looked) \(d)/mnist, \(d)/MNIST/raw, \(d), \(c)/mnist; \(off) \(d)/mnist/ or \(c)/mnist/\(online)")
        #expect(reason(cache) == "\(looked) \(c)/mnist, \(c)/MNIST/raw, \(c); \(off) \(c)/mnist/\(online)")
        if (ProcessInfo.processInfo.environment[DataDirectory.environmentVariable] ?? "").isEmpty {
            let noRoot = "no data directory: pass one, or set DESCENT_DATA to the folder that holds `mnist/`;"
            #expect(reason(nil) == "\(noRoot) \(looked) \(c)/mnist; \(off) \(c)/mnist/\(online)")
        }
    }

    @Test func downloadsCanBeForbidden() throws {
        let data = try DataTestFiles.temporaryDirectory("data"), cache = try DataTestFiles.temporaryDirectory("cache")
        // The mirror would be contacted if downloads were allowed; port 9 (discard) on loopback is never served here.
        var overrides = DatasetDownloader.Overrides(
            mirrors: [URL(string: "http://127.0.0.1:9/")!], cacheRoot: cache, offline: false)
        let off = DataTestFiles.descentError {
            _ = try DatasetDownloader.$overrides.withValue(overrides) {
                try FashionMNIST(split: .test, directory: data, download: false)
            }
        }
        #expect(off?.reason.contains("downloading is off (download: false)") == true)
        overrides.offline = true
        let env = DataTestFiles.descentError {
            _ = try DatasetDownloader.$overrides.withValue(overrides) { try CIFAR10(split: .test, directory: data) }
        }
        #expect(env?.location == "CIFAR10")
        #expect(env?.reason.contains("downloading is off (DESCENT_OFFLINE is set)") == true)
        #expect(env?.reason.contains(cache.appendingPathComponent("cifar10").path) == true)
        #expect(Self.contents(cache).isEmpty)
    }

    @Test func theDownloaderTriesEachMirrorAndReportsWhyEachFailed() throws {
        let (served, sums) = try Self.servedMNIST()
        guard let server = try LocalServer(directory: served) else { return }
        defer { server.stop() }
        let target = try DataTestFiles.temporaryDirectory("target")
        let missing = server.base.appendingPathComponent("nothing-here", isDirectory: true)
        let downloader = DatasetDownloader(
            mirrors: [missing, server.base.appendingPathComponent("mnist", isDirectory: true)], timeout: 10)
        let url = try downloader.fetch(
            "t10k-labels-idx1-ubyte.gz", sha256: sums["t10k-labels-idx1-ubyte.gz"], into: target)
        #expect(url == target.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        #expect(Self.contents(target) == ["t10k-labels-idx1-ubyte.gz"])
        do {
            _ = try DatasetDownloader(mirrors: [missing], timeout: 10).fetch("absent.gz", sha256: nil, into: target)
            Issue.record("expected a failure")
        } catch let f as DatasetDownloader.Failure {
            #expect(f.attempts.map(\.reason) == ["HTTP 404"])
            #expect(f.description == "could not download absent.gz: \(missing.absoluteString)absent.gz (HTTP 404)")
        }
        #expect(Self.contents(target) == ["t10k-labels-idx1-ubyte.gz"])
    }

    @Test func theMirrorVariableReplacesThePublishedMirrors() {
        let published = [URL(string: "https://example.org/mnist/")!]
        let local = DatasetDownloader.Overrides(mirrors: [URL(string: "http://127.0.0.1:8000/")!])
        let mirrors = DatasetDownloader.$overrides.withValue(local) {
            DatasetDownloader.mirrors(folder: "mnist", published: published)
        }
        #expect(
            mirrors.map { $0.appendingPathComponent("x.gz").absoluteString } == ["http://127.0.0.1:8000/mnist/x.gz"])
        if ProcessInfo.processInfo.environment[DatasetDownloader.mirrorEnvironmentVariable] == nil {
            #expect(
                DatasetDownloader.$overrides.withValue(nil) {
                    DatasetDownloader.mirrors(folder: "mnist", published: published)
                } == published)
        }
    }
}
