import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct ChannelStatisticsTests {
    @Test func perChannelMeanAndStdMatchAHandComputation() throws {
        // Two samples [2, 2] (channels × values): channel 0 gets 1, 2, 3, 4; channel 1 gets 10, 10, 20, 20.
        let inputs = Tensor([1, 2, 10, 10, 3, 4, 20, 20], shape: [2, 2, 2])
        let stats = try ChannelStatistics(of: TensorDataset(inputs: inputs, labels: [0, 1]))
        #expect(stats.mean == [2.5, 15])
        // Population std: sqrt(((1.5² + 0.5²) × 2) / 4) = sqrt(1.25); sqrt(25) = 5.
        #expect(abs(stats.std[0] - Float(1.25).squareRoot()) < 1e-6)
        #expect(stats.std[1] == 5)
        #expect(stats.valuesPerChannel == 4)
    }

    /// A zero-variance feature (scikit-learn's `StandardScaler` case): its deviation is exactly 0, even for a value
    /// whose float sums leave a rounding residue, and ``Normalize`` uses a scale of 1, so the column becomes 0 and
    /// nothing is divided by zero.
    @Test func constantFeatureGetsStdZeroAndBecomesZero() throws {
        let rows = 37
        var values = [Float]()
        for i in 0..<rows { values += [Float(i), 1000.1, -3.3e-5] }
        let data = TensorDataset(inputs: Tensor(values, shape: [rows, 3]), labels: [Int](repeating: 0, count: rows))
        let stats = try ChannelStatistics(of: data)
        #expect(stats.std[1] == 0 && stats.std[2] == 0 && stats.std[0] > 10)
        #expect(stats.mean[1] == 1000.1 && stats.mean[2] == -3.3e-5)
        let normalize = Normalize(stats)
        #expect(normalize.std[1] == 1 && normalize.std[2] == 1)
        for i in [0, 5, rows - 1] {
            let x = try normalize(data.sample(at: i), generator: RandomGenerator(seed: 0)).input.scalars
            #expect(x[1] == 0 && x[2] == 0 && x[0].isFinite)
        }
    }

    @Test func statisticsOfTheTrainingSplitNormaliseIt() throws {
        let data = GeneratedShapes(count: 60, seed: 4)
        let splits = try data.split(train: 0.5, validation: 0.5, seed: 2)
        let stats = try ChannelStatistics(of: splits.train)
        let normalize = Normalize(stats)
        var sum = 0.0, squares = 0.0, n = 0.0
        for i in 0..<splits.train.count {
            let x = try normalize(splits.train.sample(at: i), generator: RandomGenerator(seed: 0)).input
            for v in x.scalars { sum += Double(v); squares += Double(v) * Double(v); n += 1 }
        }
        #expect(abs(sum / n) < 1e-4)
        #expect(abs((squares / n).squareRoot() - 1) < 1e-4)
    }

    @Test func featureVectorsGetOneChannelPerFeature() throws {
        let stats = try ChannelStatistics(
            of: TensorDataset(inputs: Tensor([0, 5, 2, 5, 4, 5], shape: [3, 2]), labels: [0, 0, 0]))
        #expect(stats.mean == [2, 5])
        #expect(abs(stats.std[0] - Float(8.0 / 3).squareRoot()) < 1e-6)
        #expect(stats.std[1] == 0)
        // A constant feature is only centred.
        let out = try Normalize(stats)(
            Sample(input: Tensor([4, 6]), target: .classIndex(0)), generator: RandomGenerator(seed: 0))
        #expect(abs(out.input.scalars[0] - 2 / Float(8.0 / 3).squareRoot()) < 1e-6)
        #expect(out.input.scalars[1] == 1)
    }

    @Test func emptyOrRaggedDatasetsAreErrors() {
        #expect(
            DataTestFiles.descentError { _ = try ChannelStatistics(of: GeneratedShapes(count: 0)) }?.reason
                == "the dataset is empty")
        let ragged = ConcatDataset([
            TensorDataset(inputs: Tensor.zeros([1, 2, 3]), labels: [0]),
            TensorDataset(inputs: Tensor.zeros([1, 3, 3]), labels: [0]),
        ])
        #expect(
            DataTestFiles.descentError { _ = try ChannelStatistics(of: ragged) }?.reason.contains(
                "sample 1 has 3 channels") == true)
    }
}
