import Foundation
import Testing

@testable import DescentMPI

/// What `DescentMPI` computes without starting MPI (MPI_Init runs once per process, so the collectives are checked
/// in child processes by `DescentCLITests`' `MPICheckTests`): the pieces of at most `Int32.max` elements that
/// every collective is cut into, and the launcher detection.
@Suite struct MPIContextTests {
    @Test func chunksCoverTheBufferInPiecesMPICanCount() {
        let limit = Int(Int32.max)
        #expect(MPIContext.chunks(0).isEmpty)
        #expect(MPIContext.chunks(1).map { [$0.0, $0.1] } == [[0, 1]])
        #expect(MPIContext.chunks(limit).map { [$0.0, $0.1] } == [[0, limit]])
        #expect(MPIContext.chunks(limit + 1).map { [$0.0, $0.1] } == [[0, limit], [limit, 1]])
        let total = 2 * limit + 5
        let pieces = MPIContext.chunks(total)
        #expect(pieces.map { [$0.0, $0.1] } == [[0, limit], [limit, limit], [2 * limit, 5]])
        #expect(pieces.reduce(0) { $0 + $1.1 } == total)
    }

    @Test func notLaunchedByMPIInTheTestProcess() {
        let environment = ProcessInfo.processInfo.environment
        let launched = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"].contains { environment[$0] != nil }
        #expect(MPIContext.launchedByMPI == launched)
    }
}
