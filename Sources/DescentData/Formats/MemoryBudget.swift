import Descent
import Foundation

/// The memory a dataset may take once read, so that one too large to hold is refused before it is converted,
/// with the size it needs, rather than ending in the kernel's out-of-memory killer part-way through.
///
/// The budget is the smallest of: the kernel's estimate of the memory available to new allocations
/// (`MemAvailable` in `/proc/meminfo`; the physical memory where there is no `/proc`), the room left under the
/// process's cgroup limit (`memory.max` − `memory.current`, for containers), and `DESCENT_MEMORY_LIMIT` (bytes,
/// or with a `K`, `M` or `G` suffix, powers of 1024) when set.
public enum MemoryBudget {
    /// A budget in bytes that replaces the system's for the current task (tests).
    @TaskLocal public static var limit: Int?

    /// The bytes a dataset may take now, and where that figure comes from (for messages).
    public static func available() -> (bytes: Int, source: String) {
        if let limit { return (limit, "the limit set") }
        var best = (bytes: Int(clamping: ProcessInfo.processInfo.physicalMemory), source: "physical memory")
        func consider(_ bytes: Int?, _ source: String) {
            if let bytes, bytes < best.bytes { best = (bytes, source) }
        }
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") })
        {
            let kib = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            best = (kib.map { $0 * 1024 } ?? best.bytes, "MemAvailable")
        }
        let cgroup = { (name: String) -> Int? in
            (try? String(contentsOfFile: "/sys/fs/cgroup/" + name, encoding: .utf8))
                .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if let max = cgroup("memory.max") { consider(max - (cgroup("memory.current") ?? 0), "the cgroup memory limit") }
        if let text = ProcessInfo.processInfo.environment["DESCENT_MEMORY_LIMIT"] {
            consider(parse(text), "DESCENT_MEMORY_LIMIT")
        }
        return best
    }

    /// Bytes written as `123`, `512K`, `64M` or `2G` (powers of 1024), or `nil`.
    static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let last = t.last, let unit = units[last] {
            return Double(t.dropLast()).flatMap { $0 >= 0 ? Int($0 * Double(unit)) : nil }
        }
        return Int(t).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// The size in B, KB, MB or GB (powers of 1000), e.g. `9.63 GB`.
    public static func describe(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1e9 { return String(format: "%.2f GB", b / 1e9) }
        if b >= 1e6 { return String(format: "%.1f MB", b / 1e6) }
        if b >= 1e3 { return String(format: "%.1f KB", b / 1e3) }
        return "\(bytes) B"
    }

    /// Checks that `count` values of 4 bytes (the float32 tensor a reader makes from `path`, of shape `shape`)
    /// fit in ``available()``.
    ///
    /// - Throws: ``DescentError`` of kind `.file` naming `path`, the bytes needed and the bytes available.
    public static func requireFloats(_ count: Int, shape: [Int], for path: String) throws {
        let (needed, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        let (budget, source) = available()
        guard overflow || needed > budget else { return }
        let size = overflow ? "more than \(describe(Int.max))" : describe(needed)
        throw DescentError(
            .file, path,
            "does not fit in memory: its \(shape.map(String.init).joined(separator: "×")) values need \(size) as "
                + "float32, \(describe(budget)) available (\(source)); the whole file is converted when read: split it, or use a "
                + "machine with more memory")
    }
}
