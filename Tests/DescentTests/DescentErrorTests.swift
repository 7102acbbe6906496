import Testing

@testable import Descent

@Suite struct DescentErrorTests {
    @Test func descriptionIsLocationColonReason() {
        let e = DescentError(.file, "data/train.csv", "line 3 has 4 columns, expected 5")
        #expect(e.description == "data/train.csv: line 3 has 4 columns, expected 5")
        #expect("\(e)" == "data/train.csv: line 3 has 4 columns, expected 5")
        #expect(e.kind == .file && e != DescentError(.config, "data/train.csv", "line 3 has 4 columns, expected 5"))
    }
}
