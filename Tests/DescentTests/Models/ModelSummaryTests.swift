import Testing

@testable import Descent

@Suite struct ModelSummaryTests {
    @Test func benchCNNCountsParametersShapesAndMultiplyAdds() throws {
        let s = try ModelSummary(Models.cnn(), inputShape: [1, 28, 28])
        // conv 32·9+32, conv 64·32·9+64, linear 3136·128+128, linear 128·10+10.
        #expect(s.totalParameters == 320 + 18_496 + 401_536 + 1_290)
        // conv1 28²·32·9, conv2 14²·64·288, fc1 3136·128, fc2 128·10 (matrix products only).
        #expect(s.totalMultiplyAdds == 225_792 + 3_612_672 + 401_408 + 1_280)
        #expect(s.outputShape == [1, 10])
        #expect(s.rows.map(\.name) == (0..<10).map(String.init))
        #expect(s.rows[2].outputShape == [1, 32, 14, 14])
        #expect(s.rows[6].outputShape == [1, 3136])
        #expect(s.rows[7].multiplyAdds == 401_408)
        #expect(s.table.contains("multiply-adds per sample: 4,241,152"))
    }

    @Test func residualNetworkIsMeasuredAsBlocks() throws {
        let s = try ModelSummary(ResNet.small(), inputShape: [3, 32, 32])
        #expect(s.rows[0].type == "ResNet")
        #expect(s.rows[0].outputShape == [1, 10])
        #expect(s.rows[0].multiplyAdds == s.totalMultiplyAdds)
        #expect(s.rows.contains { $0.name == "layers.2.shortcut.0" && $0.type == "Conv2d" })
        #expect(s.totalParameters == ResNet.small().parameterCount)
    }

    @Test func shapesThatDoNotChainNameTheLayer() {
        let model = Sequential(Linear(8, 4), ReLU(), Linear(5, 2))
        let error = #expect(throws: DescentError.self) { try ModelSummary(model, inputShape: [8]) }
        #expect(error?.description.contains("2 (Linear)") == true)
    }
}
