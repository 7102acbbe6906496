import Descent
import Foundation
import Testing

@testable import DescentMPI
@testable import DescentTrain

/// `MPIContext` as an MPI singleton (this test process, started without `mpirun`, is rank 0 of 1): every
/// collective and message works and leaves the data as the sum over one rank gives it.
@Suite struct MPIContextTests {
    @Test func singletonCollectivesAndMessages() throws {
        let context = try MPIContext()
        #expect(context.rank == 0 && context.size == 1 && context.isMain)
        var floats: [Float] = [1.5, -2, 3]
        try context.allReduceSum(&floats)
        #expect(floats == [1.5, -2, 3])
        var doubles = [0.25, 7]
        try context.allReduceSum(&doubles)
        try context.allReduceMax(&doubles)
        #expect(doubles == [0.25, 7])
        var started: [Float] = [4, 5]
        let request = try started.withUnsafeMutableBufferPointer { try context.startAllReduceSum($0) }
        try request.wait()
        #expect(started == [4, 5])
        var values: [Float] = [9, 8]
        try context.broadcast(&values, root: 0)
        #expect(values == [9, 8])
        try context.barrier()
        try context.send([1, 2, 3], to: 0, tag: 7)
        #expect(try context.receive(from: nil, tag: 7) == DistributedMessage(source: 0, tag: 7, bytes: [1, 2, 3]))
        try context.send([], to: 0, tag: 2)
        #expect(try context.receive(from: 0, tag: nil) == DistributedMessage(source: 0, tag: 2, bytes: []))
        #expect(throws: DescentError.self) { try context.send([1], to: 3, tag: 0) }
    }
}
