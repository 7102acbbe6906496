import Foundation
import Testing

@testable import Descent
@testable import DescentTrain

/// The top-level `precision` key: `float32` (default) or `bf16`, written back by the resolved copy, and a one-line
/// error naming the key for anything else. (Only parsed here: building a setup would set the process-wide
/// `Backend.precision` under tests running in parallel.)
@Suite struct PrecisionConfigTests {
    @Test func parsesAndWritesBack() throws {
        #expect(try TrainingConfig.parse(yaml: "").precision == .float32)
        let c = try TrainingConfig.parse(yaml: "threads: 2\nprecision: bf16\n")
        #expect(c.precision == .bf16)
        #expect(c.yaml.contains("\nprecision: bf16\n"))
        #expect(try TrainingConfig.parse(yaml: c.yaml) == c)
        #expect(try TrainingConfig.parse(yaml: "", overrides: ["precision=bf16"]).precision == .bf16)
        #expect(try TrainingConfig.parse(yaml: "precision: float32").precision == .float32)
    }

    @Test func unknownPrecisionIsOneLineNamingTheKey() throws {
        let thrown = #expect(throws: DescentError.self) {
            try TrainingConfig.parse(yaml: "seed: 1\nprecision: fp8\n", source: "c.yaml")
        }
        let e = try #require(thrown)
        #expect(e.location == "c.yaml:2 precision")
        #expect(e.reason == "unknown precision 'fp8' (available: float32, bf16)")
        #expect(!e.description.contains("\n"))
    }
}
