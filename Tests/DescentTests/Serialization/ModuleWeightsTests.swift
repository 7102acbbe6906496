import Foundation
import Testing

@testable import Descent

@Suite struct ModuleWeightsTests {
    @Test func saveAndLoadRoundTripsBitwiseWithPyTorchNames() throws {
        let a = Sequential(Linear(3, 4), BatchNorm1d(4), ReLU(), Linear(4, 2))
        _ = a(Tensor.randn([5, 3]))  // updates running statistics and num_batches_tracked
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-weights-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.saveWeights(to: url)
        let entries = try SafeTensors.read(from: url)
        #expect(
            entries.map(\.name).sorted() == [
                "0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean",
                "1.running_var", "1.weight", "3.bias", "3.weight",
            ])
        #expect(entries.first { $0.name == "1.num_batches_tracked" }?.dtype == .int64)
        let b = Sequential(Linear(3, 4), BatchNorm1d(4), ReLU(), Linear(4, 2))
        try b.loadWeights(from: url)
        for (x, y) in zip(a.stateDict(), b.stateDict()) {
            #expect(x.0 == y.0)
            #expect(x.1.isBitwiseEqual(y.1))
        }
    }

    @Test func loadingIntoAMismatchedModelNamesFileAndKey() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-weights-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Sequential(Linear(3, 4)).saveWeights(to: url)
        let other = Sequential(Linear(3, 5))
        let error = #expect(throws: DescentError.self) { try other.loadWeights(from: url) }
        #expect(error?.location.contains(url.path) == true)
        #expect(error?.location.contains("0.weight") == true || error?.location.contains("0.bias") == true)
    }
}
