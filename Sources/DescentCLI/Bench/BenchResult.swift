import Descent
import Foundation

/// One benchmark result line, with the field names of `shared/bench/peer/torch_bench.py`.
struct BenchResult {
    var workload: String
    var fields: [(String, Any)] = []

    /// The JSON line: workload first, then the fields in order, then threads, the precision of the matrix products
    /// when it is not float32 (`"precision": "bf16"`, the precision that ran: float32 where the CPU has no bf16) and
    /// peak RSS.
    func jsonLine(threads: Int, precision: Precision = .float32) -> String {
        var parts = ["\"framework\": \"descent\"", "\"workload\": \"\(workload)\""]
        for (k, v) in fields { parts.append("\"\(k)\": \(BenchResult.format(v))") }
        parts.append("\"threads\": \(threads)")
        if precision != .float32 { parts.append("\"precision\": \"\(precision.rawValue)\"") }
        parts.append("\"peak_rss_mb\": \(BenchResult.format(BenchResult.peakResidentMegabytes()))")
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// The number of field `key`, if it has one.
    func value(_ key: String) -> Double? {
        switch fields.first(where: { $0.0 == key })?.1 {
        case let d as Double: return d
        case let i as Int: return Double(i)
        default: return nil
        }
    }

    static func format(_ v: Any) -> String {
        switch v {
        case let d as Double: return String(format: "%.3f", d)
        case let i as Int: return String(i)
        case let s as String: return "\"\(s)\""
        default: return "\"\(v)\""
        }
    }

    /// Peak resident set size of this process so far, in MB; with one workload per process (the default of
    /// `descent bench`), the peak of that workload (getrusage's ru_maxrss, in KiB on Linux).
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return Double(usage.ru_maxrss) / 1024
        #else
        return Double(usage.ru_maxrss) / (1024 * 1024)
        #endif
    }
}

/// Seconds of wall-clock time taken by `body`.
func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Wall-clock and CPU seconds (user + system, all threads of the process) taken by `body`. On a shared machine the
/// CPU time of a single-threaded run is a steadier measure of the work done than the wall-clock time.
func measureWallAndCPUSeconds(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let cpu0 = processCPUSeconds()
    let wall = try measureSeconds(body)
    return (wall, processCPUSeconds() - cpu0)
}

/// User + system CPU seconds of this process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
