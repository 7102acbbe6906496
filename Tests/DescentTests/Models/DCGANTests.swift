import Testing

@testable import Descent

@Suite struct DCGANTests {
    @Test func generatorAndDiscriminatorShapes() throws {
        let g = DCGANGenerator(latent: 16, classes: 10, features: 8, channels: 1, side: 28)
        let d = DCGANDiscriminator(classes: 10, features: 8, channels: 1, side: 28)
        let z = RandomGenerator(seed: 1).normal([5, 16])
        let images = g(noise: z, labels: [0, 1, 2, 3, 9])
        #expect(images.shape == [5, 1, 28, 28])
        #expect(images.scalars.allSatisfy { $0 > -1 && $0 < 1 })
        #expect(d(images, labels: [0, 1, 2, 3, 9]).shape == [5])
        #expect(try g.outputShape(for: [5, 26]) == [5, 1, 28, 28])
        #expect(try g.outputShape(for: [5, 26, 1, 1]) == [5, 1, 28, 28])
        #expect(try d.outputShape(for: [5, 11, 28, 28]) == [5])
        #expect(throws: DescentError.self) { try g.outputShape(for: [5, 16]) }
        #expect(throws: DescentError.self) { try d.outputShape(for: [5, 1, 28, 28]) }

        let g32 = DCGANGenerator(latent: 4, features: 4, channels: 3, side: 32)
        let d32 = DCGANDiscriminator(features: 4, channels: 3, side: 32, batchNorm: false)
        let x = g32(noise: RandomGenerator(seed: 2).normal([2, 4]), labels: [])
        #expect(x.shape == [2, 3, 32, 32])
        #expect(d32(x, labels: []).shape == [2])
        #expect(!d32.namedModules().contains { $0.1 is BatchNorm })
    }

    @Test func stateDictKeysArePyTorchs() {
        let g = DCGANGenerator(latent: 4, features: 2)
        #expect(
            g.stateDict().map(\.0) == [
                "main.0.weight", "main.1.weight", "main.1.bias", "main.1.running_mean", "main.1.running_var",
                "main.1.num_batches_tracked", "main.3.weight", "main.4.weight", "main.4.bias", "main.4.running_mean",
                "main.4.running_var", "main.4.num_batches_tracked", "main.6.weight",
            ])
        let d = DCGANDiscriminator(features: 2)
        #expect(
            d.stateDict().map(\.0) == [
                "main.0.weight", "main.2.weight", "main.3.weight", "main.3.bias", "main.3.running_mean",
                "main.3.running_var", "main.3.num_batches_tracked", "main.5.weight",
            ])
    }

    /// PyTorch's DCGAN initialisation: conv weights N(0, 0.02²), batch-norm weights N(1, 0.02²), biases 0. With
    /// 8,192 and 4,096 draws the sample mean is within 4 standard errors (0.02/√n·4 < 0.001) and the standard
    /// deviation within 5%.
    @Test func initialisationIsDCGANs() {
        let g = DCGANGenerator(latent: 64, features: 64, generator: RandomGenerator(seed: 3))
        let first = g.main[0] as! ConvTranspose2d
        let bn = g.main[1] as! BatchNorm
        let w = first.weight.scalars
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
        #expect(w.count > 8_000 && Swift.abs(mean) < 0.001 && Swift.abs(std - 0.02) < 0.001)
        let gamma = bn.weight!.scalars
        let gammaMean = gamma.reduce(0, +) / Float(gamma.count)
        #expect(Swift.abs(gammaMean - 1) < 0.01 && gamma.contains { $0 != 1 })
        #expect(bn.bias!.scalars.allSatisfy { $0 == 0 })
        let d = DCGANDiscriminator(features: 64, generator: RandomGenerator(seed: 4))
        let dw = (d.main[2] as! Conv2d).weight.scalars
        let dMean = dw.reduce(0, +) / Float(dw.count)
        let dStd = (dw.map { ($0 - dMean) * ($0 - dMean) }.reduce(0, +) / Float(dw.count)).squareRoot()
        #expect(Swift.abs(dMean) < 0.001 && Swift.abs(dStd - 0.02) < 0.001)
    }

    /// The label channels: channel `classes[n]` of sample n all ones, the others zeros, after the image.
    @Test func conditionedInputsCarryOneHotLabels() {
        let images = Tensor.full([2, 1, 3, 3], 0.5)
        let x = DCGAN.conditioned(images: images, labels: [2, 0], classes: 3)
        #expect(x.shape == [2, 4, 3, 3])
        let v = x.scalars
        #expect(Array(v[0..<9]) == Array(repeating: 0.5, count: 9))
        #expect(Array(v[27..<36]) == Array(repeating: 1, count: 9))
        #expect(Array(v[9..<27]) == Array(repeating: 0, count: 18))
        #expect(Array(v[45..<54]) == Array(repeating: 1, count: 9))
        let z = DCGAN.conditioned(noise: Tensor([1, 2, 3, 4], shape: [2, 2]), labels: [1, 0], classes: 2)
        #expect(z.shape == [2, 4, 1, 1] && z.scalars == [1, 2, 0, 1, 3, 4, 1, 0])
    }
}
