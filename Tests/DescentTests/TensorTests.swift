import Testing
@testable import Descent

@Suite struct TensorTests {
    @Test func broadcastAdd() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20, 30])
        #expect((a + b).scalars == [11, 22, 33, 14, 25, 36])
    }
}
