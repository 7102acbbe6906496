import ArgumentParser
import Descent

/// `descent bench`: the workloads of `shared/bench/peer/README.md`, one JSON line each.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmark workloads and print one JSON line per workload (release builds only give meaningful numbers)."
    )

    @Option(help: "Threads for Descent's kernels and the compute library.")
    var threads: Int = 2

    @Option(help: "Comma-separated workloads: w1, w2, w3, w4_mlp, w4_cnn, w5, w6 (GEMM 1024³), w7, elementwise, data (loading + augmentation).")
    var workloads: String = "w1,w2,w3,w4_mlp,w4_cnn,w5,w6,w7"

    static let available = ["w1", "w2", "w3", "w4_mlp", "w4_cnn", "w5", "w6", "w7", "elementwise", "data"]

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        for w in workloads.split(separator: ",").map(String.init) where !Self.available.contains(w) {
            throw ValidationError("--workloads: unknown workload '\(w)' (available: \(Self.available.joined(separator: ", ")))")
        }
    }

    func run() throws {
        Backend.threads = threads
        for w in workloads.split(separator: ",").map(String.init) {
            let result: BenchResult
            switch w {
            case "w6": result = benchGEMM()
            case "elementwise": result = benchElementwise()
            case "data": result = benchData()
            default: result = ModelWorkloads.run(w)
            }
            print(result.jsonLine(threads: threads))
        }
    }
}
