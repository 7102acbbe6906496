import Descent
import Foundation
import Testing

@testable import DescentTrain

/// `descent lab gan` at a small size, on the generated shapes (no data needed): every seed runs all four
/// conditions and the summary's table reports them. Whether GAN samples help is reported as measured by the full
/// run (README, GANs), not asserted: at this size it is noise.
@Suite(.serialized) struct GANLabTests {
    @Test func everySeedRunsEveryCondition() throws {
        let lab = GANLab(
            trainSamples: 96, testSamples: 100, seeds: 2, epochs: 2, ganEpochs: 1, ratio: 0.5, preferMNIST: false)
        let data = AugmentationLab(preferMNIST: false).datasets()
        let seed = try lab.run(seed: 0, data: data)
        #expect(Set(seed.accuracies.keys) == Set(GANLab.Condition.allCases))
        #expect(seed.accuracies.values.allSatisfy { $0.count == 2 && $0.allSatisfy { (0...1).contains($0) } })
        #expect(seed.ganSteps == 3)  // 96 images, batch 32, one epoch
        #expect((0...1).contains(seed.agreement))
        let result = try lab.run(LabOptions(quick: true))
        #expect(result.experiment == .gan && result.plots.map(\.name) == ["accuracy"])
        for condition in GANLab.Condition.allCases {
            #expect(result.summary.contains("\n" + condition.rawValue), "\(condition)")
        }
        #expect(result.summary.contains("48 of its samples") && result.summary.contains("2 seeds"))
        #expect(!LabExperiment.inAll.contains(.gan) && LabExperiment.inAll.count == LabExperiment.allCases.count - 1)
    }
}
