import Foundation

/// Crash-safe file writes: a reader sees either the old file or the complete new one, never a torn file.
public enum AtomicFile {
    /// Writes `bytes` to a temporary file beside `url`, flushes it (`fsync`), renames it over `url`, and flushes
    /// the directory; on failure `url` is untouched and the temporary file removed.
    ///
    /// - Throws: ``DescentError`` (`.file`, the path, the reason).
    public static func write(_ bytes: Data, to url: URL) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary =
            directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ what: String) -> DescentError {
            DescentError(.file, path, "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("cannot create temporary file \(temporary)") }
        var closed = false
        do {
            try bytes.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let r = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                    if r < 0 {
                        if errno == EINTR { continue }
                        throw failure("cannot write temporary file \(temporary)")
                    }
                    done += r
                }
            }
            guard fsync(fd) == 0 else { throw failure("cannot flush temporary file \(temporary)") }
            closed = true
            guard close(fd) == 0 else { throw failure("cannot close temporary file \(temporary)") }
            guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to it") }
        } catch {
            if !closed { close(fd) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable; a directory that cannot be flushed does not undo the write.
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }
}

/// POSIX `write(2)` (a file-scope name, out of reach of `AtomicFile.write(_:to:)`).
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
