import ArgumentParser
import Descent
import DescentMPI
import Foundation

/// `descent bench`: the workloads of `shared/bench/peer/README.md`, one JSON line each.
///
/// Each workload runs in its own child process (this executable, re-run with one workload) so that the
/// `peak_rss_mb` of a line is that workload's own peak resident memory, not the peak of everything run before it.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Run benchmark workloads and print one JSON line per workload (release builds only give meaningful numbers)."
    )

    @Option(help: "Threads for Descent's kernels and the compute library.")
    var threads: Int = 2

    @Option(
        help: ArgumentHelp(
            "Precision of the matrix products of Linear layers and convolutions: float32 or bf16 (bfloat16 inputs, float32 accumulation; float32 with a warning on a CPU without AVX-512 BF16 or AMX).",
            valueName: "float32|bf16"))
    var precision: String = Precision.float32.rawValue

    @Option(
        help:
            "Comma-separated workloads: w1, w2, w3, w4_mlp, w4_cnn, w5, w6 (GEMM 1024³), w7, w8 (LSTM language model), w9 (ResNet-18, batch 128; not in the default list: about a minute), w2_trainer (the W2 CNN with Adam trained by the Trainer through a DataLoader against the bare step with Adam: trainer_over_bare; not in the default list), elementwise, data (loading + augmentation), data-folder (decoding + augmenting an image folder: 224×224 JPEGs, 32×32 PNGs; not in the default list), optimizers (update ns per parameter), allreduce (MPI all-reduce bandwidth; only under mpirun -np N)."
    )
    var workloads: String = "w1,w2,w3,w4_mlp,w4_cnn,w5,w6,w7,w8"

    @Option(
        help:
            "data-folder: the image folder to read (its jpeg/ and png/ class folders; default: one generated in a temporary folder)."
    )
    var dataFolder: String?

    @Option(
        help:
            "data-folder and w2_trainer: loader worker threads (default: --threads for data-folder, 1 for w2_trainer).")
    var workers: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Run each workload in its own process, so that peak_rss_mb is per workload.")
    var processPerWorkload: Bool = true

    static let available = [
        "w1", "w2", "w3", "w4_mlp", "w4_cnn", "w5", "w6", "w7", "w8", "w9", "w2_trainer", "elementwise", "data",
        "data-folder", "optimizers", "allreduce",
    ]

    /// Why `allreduce` refuses to run outside an MPI launch (one process has no one to reduce with).
    static let allReduceNeedsMPI =
        "--workloads allreduce: measures MPI all-reduce between ranks and needs an MPI launch, such as "
        + "'mpirun -np 2 descent bench --workloads allreduce' (as root, with OMPI_ALLOW_RUN_AS_ROOT=1 "
        + "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)"

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let workers, workers < 0 { throw ValidationError("--workers must not be negative, got \(workers)") }
        for w in workloads.split(separator: ",").map(String.init) where !Self.available.contains(w) {
            throw ValidationError(
                "--workloads: unknown workload '\(w)' (available: \(Self.available.joined(separator: ", ")))")
        }
        guard Precision(rawValue: precision) != nil else {
            throw ValidationError(
                "--precision: unknown precision '\(precision)' (available: "
                    + Precision.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let list = workloads.split(separator: ",").map(String.init)
        if list.contains("allreduce") && !MPIContext.launchedByMPI { throw ValidationError(Self.allReduceNeedsMPI) }
        if MPIContext.launchedByMPI && list != ["allreduce"] {
            throw ValidationError("--workloads: under an MPI launch only 'allreduce' runs, got '\(workloads)'")
        }
    }

    func run() throws {
        let list = workloads.split(separator: ",").map(String.init)
        if list == ["allreduce"] {
            let context = try MPIContext()
            defer { context.finalize() }
            for line in try AllReduceWorkload.run(context) { print(line.jsonLine(threads: threads)) }
            return
        }
        if processPerWorkload && list.count > 1, let exe = Self.executableURL() {
            for w in list { try runChild(exe, workload: w) }
            return
        }
        Backend.threads = threads
        Backend.precision = Precision(rawValue: precision) ?? .float32
        for w in list {
            let result: BenchResult
            switch w {
            case "w6": result = benchGEMM()
            case "elementwise": result = benchElementwise()
            case "data": result = benchData()
            case "data-folder": result = try DataFolderWorkload.run(folder: dataFolder, workers: workers ?? threads)
            case "optimizers": result = benchOptimizers()
            case "w2_trainer": result = try TrainerWorkload.run(workers: workers ?? 1)
            default: result = ModelWorkloads.run(w)
            }
            print(result.jsonLine(threads: threads, precision: Backend.precision))
        }
    }

    /// Runs `descent bench --workloads workload` in a child process and forwards its output.
    func runChild(_ exe: URL, workload: String) throws {
        let child = Process()
        child.executableURL = exe
        child.arguments =
            [
                "bench", "--threads", String(threads), "--precision", precision, "--workloads", workload,
                "--no-process-per-workload",
            ]
            + (dataFolder.map { ["--data-folder", $0] } ?? []) + (workers.map { ["--workers", String($0)] } ?? [])
        let out = Pipe()
        child.standardOutput = out
        try child.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        if let text = String(data: data, encoding: .utf8) { print(text, terminator: "") }
        guard child.terminationStatus == 0 else {
            throw ValidationError("workload \(workload) failed (exit status \(child.terminationStatus))")
        }
    }

    /// This executable: `/proc/self/exe` on Linux, the main bundle's executable elsewhere.
    static func executableURL() -> URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL
    }
}
