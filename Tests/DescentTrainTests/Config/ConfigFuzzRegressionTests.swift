import Descent
import Foundation
import Testing

@testable import DescentTrain

/// Config inputs that `scripts/fuzz config` found crashing the harness, each kept with the one-line error it gives.
@Suite struct ConfigFuzzRegressionTests {
    /// `scripts/fuzz config`: a `--set` override without `=` that spans several lines was quoted verbatim in the
    /// error, splitting it over lines; `DescentError.description` now escapes the line breaks.
    @Test func multiLineOverrideWithoutEquals() {
        let override = "optimes: 40, test_samples: 10}\nmodel: {name: mlp}\ntraining: {epochs: 1}\n"
        do {
            _ = try TrainingConfig.parse(yaml: "training: {epochs: 1}\n", source: "fuzz.yaml", overrides: [override])
            Issue.record("the override was accepted")
        } catch let error as DescentError {
            #expect(!error.description.contains { $0.isNewline })
            #expect(
                error.description
                    == #"--set optimes: 40, test_samples: 10}\nmodel: {name: mlp}\ntraining: {epochs: 1}\n: expected dotted.key=value, such as optimizer.lr=0.01"#
            )
        } catch {
            Issue.record("not a DescentError: \(error)")
        }
    }
}
