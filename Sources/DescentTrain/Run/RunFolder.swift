import Descent
import DescentData
import Foundation

/// What a folder named as a run of `descent train` holds, so that `descent evaluate --run` and
/// `descent predict --run` can say in one line why a folder cannot be read as a finished run.
///
/// `TrainingRun` writes `config.yaml` and `run.json` before training and `model.safetensors` only once training
/// has finished; a run that failed or was interrupted has the first two and perhaps `checkpoints/`; a paused run
/// (`descent train --pause-after-epoch`) also has `paused.json` (``RunPause``).
public struct RunFolder: Sendable {
    /// The folder.
    public let directory: URL
    /// How the user named the folder (used in messages).
    public let name: String

    /// The folder `name` (a path as the user gave it).
    public init(_ name: String) {
        self.name = name
        self.directory = URL(fileURLWithPath: name)
    }

    /// Creates `directory` (and any missing parents) and checks that a file can be created in it, so that an
    /// output location that cannot be written is an error before any data is read or any step is trained.
    ///
    /// - Throws: ``DescentError`` of kind `.file` naming the folder and the system's reason (`Read-only file
    ///   system`, `Permission denied`, `No space left on device`, …).
    public static func prepareOutput(_ directory: URL) throws {
        let path = directory.standardizedFileURL.path
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw DescentError(.file, path, "cannot create the output folder: \(String(cString: strerror(errno)))")
            }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DescentError(.file, path, "cannot be the output folder: it is a file")
        }
        let probe = path + "/.descent-write-check-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw DescentError(.file, path, "cannot write in the output folder: \(String(cString: strerror(errno)))")
        }
        var byte: UInt8 = 0
        let written = write(fd, &byte, 1)
        let writeErrno = errno
        close(fd)
        unlink(probe)
        guard written == 1 else {
            throw DescentError(
                .file, path, "cannot write in the output folder: \(String(cString: strerror(writeErrno)))")
        }
    }

    /// The bytes free for this user on the file system holding `directory`, or `nil` when unknown.
    public static func freeBytes(at directory: URL) -> Int? {
        var info = statvfs()
        guard statvfs(directory.path, &info) == 0 else { return nil }
        return Int(clamping: UInt64(info.f_bavail) &* UInt64(info.f_frsize))
    }

    /// Checks before training that the file system of `directory` has room for what a run of a model with
    /// `weightBytes` bytes of state writes: two checkpoints (latest and best) of the weights with up to two
    /// optimizer moments each, the replacement being written beside each (atomic writes), and the final weights,
    /// that is about 8 × `weightBytes` (weights + 2 moments, ×2 files, + one replacement, + the model), plus
    /// 1 MiB for logs.
    ///
    /// - Throws: ``DescentError`` of kind `.file` naming the folder, the bytes needed and the bytes free.
    public static func requireSpace(forWeights weightBytes: Int, in directory: URL) throws {
        guard let free = freeBytes(at: directory) else { return }
        let needed = 8 * weightBytes + (1 << 20)
        guard free < needed else { return }
        throw DescentError(
            .file, directory.path,
            "not enough space for the run: checkpoints and weights need about \(MemoryBudget.describe(needed)) "
                + "(8 × \(MemoryBudget.describe(weightBytes)) of weights, + 1 MiB of logs), "
                + "\(MemoryBudget.describe(free)) free")
    }

    /// Whether the folder has a file or folder called `entry`.
    func has(_ entry: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(entry).path)
    }

    /// Whether `checkpoints/` holds anything to continue from.
    var hasCheckpoints: Bool {
        let entries = try? FileManager.default.contentsOfDirectory(
            atPath: directory.appendingPathComponent("checkpoints").path)
        return !(entries ?? []).isEmpty
    }

    /// Checks that the folder is a run folder: it exists and has a `config.yaml`.
    ///
    /// - Throws: ``DescentError`` located at `option DIR` when the folder does not exist, is a file, or has no
    ///   `config.yaml`.
    public func requireRun(option: String) throws {
        let location = "\(option) \(name)"
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder) else {
            throw DescentError(.argument, location, "no such folder")
        }
        guard isFolder.boolValue else { throw DescentError(.argument, location, "is a file, not a run folder") }
        guard has("config.yaml") else {
            throw DescentError(.argument, location, "is not a run folder (it has no config.yaml)")
        }
    }

    /// Checks that the folder holds a finished run: a `config.yaml`, the `run.json` manifest when `manifest`,
    /// and the final `model.safetensors` when `weights` (not needed when other weights are given).
    ///
    /// - Throws: ``DescentError`` located at `option DIR`: the folder is not a run folder (``requireRun(option:)``),
    ///   or holds a run that is paused, or failed or was interrupted before it finished (saying what it holds and
    ///   how to go on).
    public func requireFinished(option: String, manifest: Bool, weights: Bool) throws {
        try requireRun(option: option)
        let location = "\(option) \(name)"
        if let pause = RunPause.read(from: directory) {
            throw DescentError(
                .argument, location,
                "holds no finished run: it is \(pause.description) (the state is "
                    + "in checkpoints/); continue with descent train --resume \(name)")
        }
        let missing = (manifest ? ["run.json"] : []) + (weights ? ["model.safetensors"] : [])
        guard let absent = missing.first(where: { !has($0) }) else { return }
        let (holds, next) =
            hasCheckpoints
            ? ("a config.yaml and checkpoints", "continue with descent train --resume \(name)")
            : ("a config.yaml and no checkpoint", "start it again with descent train --resume \(name)")
        throw DescentError(
            .argument, location,
            "holds no finished run, only \(holds) (training failed or was interrupted before it wrote \(absent)); \(next)"
        )
    }
}
