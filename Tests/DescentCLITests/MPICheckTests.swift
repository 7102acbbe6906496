import Foundation
import Testing

/// `DescentMPI`'s collectives on Open MPI, run by the `descent` executable's hidden `mpi-check` (sums, maxima,
/// started bucket sums, broadcasts from the first and last rank, barrier, send/receive around a ring; SyncBatchNorm
/// against BatchNorm over the global batch) in child
/// processes, since MPI starts only once per process: alone (an MPI singleton, rank 0 of 1) and under
/// `mpirun -np 2 --oversubscribe` when Open MPI's launcher is installed.
@Suite(.serialized) struct MPICheckTests {
    /// `mpirun` on the `PATH`, if any.
    static let mpirun: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    @Test func singletonRankZeroOfOne() throws {
        let result = try DescentExecutable.run(["mpi-check"])
        #expect(result.status == 0, "\(result.errorLines)")
        #expect(result.output == "mpi-check: rank 0 of 1: 10 checks passed\n")
    }

    @Test(.enabled(if: mpirun != nil, "Open MPI's mpirun is not installed"))
    func twoRanksUnderMPIRun() throws {
        let executable = try #require(DescentExecutable.url, DescentExecutable.absence)
        guard let mpirun = Self.mpirun else { return }
        let process = Process()
        process.executableURL = mpirun
        process.arguments = [
            "-np", "2", "--oversubscribe", "--timeout", "120", executable.path, "mpi-check", "--count", "100000",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errorText)")
        let lines = text.split(separator: "\n").map(String.init).sorted()
        #expect(
            lines == [
                "mpi-check: rank 0 of 2: 13 checks passed", "mpi-check: rank 1 of 2: 13 checks passed",
            ])
    }
}
