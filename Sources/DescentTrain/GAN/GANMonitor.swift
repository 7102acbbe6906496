import Descent
import DescentData
import Foundation

/// The GAN run's eyes, a ``TrainingCallback`` beside a ``GANStep``: every ``logEvery`` steps a progress line with
/// both losses, `D(x)` and `D(G(z))` (before / after D's update), also kept in the step's ``GANStep/trace`` for
/// the report's curves; at each epoch's end the epoch's means in ``GANStep/history`` and a PNG grid of the same
/// fixed-noise samples, `samples/epoch-NNN.png` (for a conditional pair, one class per column).
///
/// Sampling runs in eval mode without gradients, so it changes no state that a checkpoint holds.
public final class GANMonitor: TrainingCallback {
    /// The step whose figures are shown.
    public let step: GANStep
    /// The fixed noise of the grids.
    public let fixedNoise: Tensor
    /// The fixed classes of the grids.
    public let fixedLabels: [Int]
    /// Images per grid row.
    public let columns: Int
    /// Where the grids go (`nil`: none written).
    public let samplesFolder: URL?
    /// A progress line (and a trace point) every this many steps (0: none between epochs).
    public let logEvery: Int
    private let write: (String) -> Void

    /// A monitor of `step` with `samples` fixed-noise samples (noise drawn from a generator seeded with `seed`;
    /// for a conditional pair the classes cycle along the rows, so each column is one class).
    public init(
        step: GANStep, samples: Int, seed: UInt64, samplesFolder: URL?, logEvery: Int,
        write: @escaping (String) -> Void
    ) {
        self.step = step
        let classes = step.generator.classes
        fixedNoise = RandomGenerator(seed: seed).normal([samples, step.generator.latent])
        fixedLabels = classes > 0 ? (0..<samples).map { $0 % classes } : []
        columns = classes > 0 ? classes : Swift.max(1, Int(Double(samples).squareRoot().rounded(.up)))
        self.samplesFolder = samplesFolder
        self.logEvery = logEvery
        self.write = write
    }

    /// The fixed-noise samples in [0, 1], `[samples, C, H, W]`.
    public func samples() -> Tensor {
        GANSampler(generator: step.generator).images(noise: fixedNoise, labels: fixedLabels)
    }

    /// The progress line and trace point every ``logEvery`` steps.
    public func stepDidEnd(_ state: inout TrainingState) {
        guard logEvery > 0, state.step % logEvery == 0, let last = step.last else { return }
        step.trace.append(GANTracePoint(step: state.step, outcome: last))
        write(
            String(
                format: "epoch %d/%d  step %d/%d  loss_D %.4f  loss_G %.4f  D(x) %.3f  D(G(z)) %.3f / %.3f",
                state.epoch, state.epochs, state.batchInEpoch, state.stepsPerEpoch, last.lossD, last.lossG,
                last.dReal, last.dFake, last.dFakeAfter))
    }

    /// The epoch's means into the history, a summary line and the grid.
    ///
    /// - Throws: ``DescentError`` when the grid cannot be written.
    public func epochDidEnd(_ state: inout TrainingState, log: EpochLog) throws {
        let epoch = step.epoch.log(epoch: log.epoch, seconds: log.seconds)
        step.history.append(epoch)
        step.epoch = GANEpochSums()
        var line = String(
            format: "epoch %d/%d done  loss_D %.4f  loss_G %.4f  D(x) %.3f  D(G(z)) %.3f  %.1f s", epoch.epoch,
            state.epochs, epoch.lossD, epoch.lossG, epoch.dReal, epoch.dFake, epoch.seconds)
        if let folder = samplesFolder {
            let url = folder.appendingPathComponent(String(format: "epoch-%03d.png", epoch.epoch))
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try AtomicFile.write(GANSampler.grid(samples(), columns: columns), to: url)
            } catch let e as DescentError {
                throw e
            } catch {
                throw DescentError(.file, url.path, "cannot write the sample grid: \(error.localizedDescription)")
            }
            line += "  grid \(url.lastPathComponent)"
        }
        write(line)
    }
}

/// One step's figures kept for the report's curves.
public struct GANTracePoint: Codable, Sendable, Equatable {
    /// The optimizer step.
    public var step: Int
    /// `L_D`.
    public var lossD: Double
    /// `L_G`.
    public var lossG: Double
    /// Mean `σ(D(x))`.
    public var dReal: Double
    /// Mean `σ(D(G(z)))` before D's update.
    public var dFake: Double

    /// A point with the given figures.
    public init(step: Int, lossD: Double, lossG: Double, dReal: Double, dFake: Double) {
        (self.step, self.lossD, self.lossG, self.dReal, self.dFake) = (step, lossD, lossG, dReal, dFake)
    }

    /// The point of `outcome` at `step`.
    public init(step: Int, outcome: GANStep.Outcome) {
        (self.step, lossD, lossG, dReal, dFake) = (step, outcome.lossD, outcome.lossG, outcome.dReal, outcome.dFake)
    }
}
