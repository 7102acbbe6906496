import Testing

@testable import Descent

/// Shape mismatches in tensor code are programmer errors: the process stops with a message naming the op
/// and both shapes (checked in a child process).
@Suite struct ShapeErrorTests {
    @Test func broadcastMismatchNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        if let result {
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("add: shapes [2, 3] and [4] cannot be broadcast together"))
        }
    }

    @Test func matmulMismatchNamesShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        if let result {
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("matmul: shapes [2, 3] and [4, 5] do not chain"))
        }
    }
}
