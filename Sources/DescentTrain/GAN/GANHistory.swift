/// Running sums of a GAN epoch's step figures (``GANStep/Outcome``), weighted by batch size.
public struct GANEpochSums: Codable, Sendable, Equatable {
    /// Samples so far.
    public var samples = 0
    /// Steps so far.
    public var steps = 0
    /// Σ batch size × `L_D`.
    public var lossD = 0.0
    /// Σ batch size × `L_G`.
    public var lossG = 0.0
    /// Σ batch size × mean `σ(D(x))`.
    public var dReal = 0.0
    /// Σ batch size × mean `σ(D(G(z)))` before D's update.
    public var dFake = 0.0

    /// No steps yet.
    public init() {}

    /// Adds one step's figures, for a batch of `samples` images.
    public mutating func add(_ outcome: GANStep.Outcome, samples n: Int) {
        let w = Double(n)
        samples += n
        steps += 1
        lossD += w * outcome.lossD
        lossG += w * outcome.lossG
        dReal += w * outcome.dReal
        dFake += w * outcome.dFake
    }

    /// The epoch's log: each sum divided by the samples.
    public func log(epoch: Int, seconds: Double) -> GANEpochLog {
        let n = Double(max(samples, 1))
        return GANEpochLog(
            epoch: epoch, steps: steps, lossD: lossD / n, lossG: lossG / n, dReal: dReal / n, dFake: dFake / n,
            seconds: seconds)
    }
}

/// One GAN epoch's means (over samples) of the step figures.
public struct GANEpochLog: Codable, Sendable, Equatable {
    /// The epoch, from 1.
    public var epoch: Int
    /// Steps in the epoch.
    public var steps: Int
    /// Mean discriminator loss `L_D`.
    public var lossD: Double
    /// Mean generator loss `L_G`.
    public var lossG: Double
    /// Mean `σ(D(x))`.
    public var dReal: Double
    /// Mean `σ(D(G(z)))` (before D's update).
    public var dFake: Double
    /// Seconds of training.
    public var seconds: Double
}
