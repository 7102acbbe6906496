import Descent
import Foundation

/// The NaN/Inf policy as a callback: after backward, checks the loss and then every gradient of the model, and
/// on the first non-finite value stops, skips the step or rolls back to the epoch's start
/// (``NonFiniteLossPolicy``), naming the step and the tensor.
///
/// A rollback restores the weights, optimizer state, counters and random generators taken when the epoch began,
/// multiplies the learning rate (and ``TrainingState/learningRateScale``) by ``rollbackFactor`` and runs the
/// epoch again; after ``maxRollbacks`` rollbacks training stops. Put it before callbacks that change gradients
/// (clipping).
public final class NonFiniteLossGuard: TrainingCallback, Checkpointable {
    /// What to do with a non-finite loss or gradient.
    public let policy: NonFiniteLossPolicy
    /// Learning-rate factor applied by each rollback.
    public let rollbackFactor: Double
    /// Rollbacks allowed before training stops.
    public let maxRollbacks: Int
    /// Rollbacks so far.
    public private(set) var rollbacks = 0
    private var epochStart: Snapshot?
    private let log: (String) -> Void

    /// What a rollback returns to: the weights, optimizer state and progress at the start of an epoch.
    struct Snapshot {
        let weights: [(String, Tensor)]
        let optimizerState: OptimizerState
        let progress: TrainerState
    }

    /// A guard with `policy`; `log` receives one line per rollback (default: standard error).
    public init(
        _ policy: NonFiniteLossPolicy = .stop, rollbackFactor: Double = 0.5, maxRollbacks: Int = 3,
        log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.policy = policy
        self.rollbackFactor = rollbackFactor
        self.maxRollbacks = maxRollbacks
        self.log = log
    }

    /// Under the rollback policy, takes the epoch's start (part-way through an epoch after a resume, the
    /// epoch's own start is kept when the checkpoint had it).
    public func epochWillBegin(_ state: inout TrainingState) {
        guard policy == .rollback,
            state.batchInEpoch == 0 || epochStart?.progress.completedEpochs != state.completedEpochs
        else { return }
        epochStart = Snapshot(
            weights: state.model.stateDict(), optimizerState: state.optimizer.stateDict(),
            progress: state.snapshot())
    }

    /// Checks the loss and the gradients; applies the policy to the first non-finite value.
    public func backwardDidEnd(_ state: inout TrainingState, model: Module, optimizer: any Optimizer) throws {
        let problem = state.loss.isFinite ? firstNonFiniteGradient(model) : "the loss is \(state.loss)"
        guard let problem else { return }
        let place = "step \(state.step + 1) (epoch \(state.epoch), batch \(state.batchInEpoch + 1))"
        switch policy {
        case .stop:
            state.abort(reason: "non-finite values at \(place): \(problem)")
        case .skipStep:
            state.skipStep()
        case .rollback:
            guard rollbacks < maxRollbacks, let start = epochStart else {
                return state.abort(reason: "non-finite values at \(place): \(problem); \(rollbacks) rollbacks already")
            }
            do {
                try state.model.load(stateDict: start.weights)
                try state.optimizer.load(state: start.optimizerState)
            } catch {
                return state.abort(
                    reason: "non-finite values at \(place): \(problem); "
                        + "the epoch's start cannot be restored: \(error)")
            }
            let scale = state.learningRateScale
            state.restore(start.progress)
            rollbacks += 1
            state.learningRateScale = scale * rollbackFactor
            state.optimizer.learningRates = state.optimizer.learningRates.map { $0 * rollbackFactor }
            log(
                "descent: non-finite values at \(place): \(problem); rolled back to the start of epoch \(state.epoch), "
                    + "learning rate ×\(rollbackFactor) → \(state.optimizer.lr)")
            state.restartEpoch()
        }
    }

    /// "the gradient of `name` is not finite" for the first parameter with a non-finite gradient, if any.
    private func firstNonFiniteGradient(_ model: Module) -> String? {
        for (name, p) in model.namedParameters() {
            if let g = p.grad, !Self.allFinite(g) { return "the gradient of '\(name)' is not finite" }
        }
        return nil
    }

    /// Whether every element of `t` is finite: no element has an exponent field of all ones (±∞, NaN), i.e.
    /// `max(bits & 0x7F80_0000) < 0x7F80_0000` over blocks of 4,096 elements (an integer reduction the compiler
    /// vectorizes; the scan stops at the first block with a non-finite element).
    static func allFinite(_ t: Tensor) -> Bool {
        t.withUnsafeBufferPointer { b in
            let exponent: UInt32 = 0x7F80_0000
            var start = 0
            while start < b.count {
                let end = min(start + 4096, b.count)
                var largest: UInt32 = 0
                for i in start..<end { largest = max(largest, b[i].bitPattern & exponent) }
                if largest == exponent { return false }
                start = end
            }
            return true
        }
    }

    /// `non_finite`.
    public var checkpointKey: String { "non_finite" }

    /// Writes the rollback count, and part-way through an epoch its start (`epoch-start/`: weights, optimizer,
    /// progress), so a resumed run rolls back to the same point as an uninterrupted one.
    public func writeCheckpoint(to folder: CheckpointFolder, state: TrainingState) throws {
        try folder.writeCallback(CallbackCheckpoint(values: ["rollbacks": Double(rollbacks)]), key: checkpointKey)
        guard state.batchInEpoch > 0, let start = epochStart,
            start.progress.completedEpochs == state.completedEpochs
        else { return }
        let sub = try folder.subfolder(creating: "epoch-start")
        try sub.writeWeights(start.weights, of: state.model, to: "model.safetensors")
        try sub.writeOptimizer(start.optimizerState, prefix: "optimizer")
        try sub.write(start.progress, to: "trainer.json")
    }

    /// Restores the rollback count and the epoch's start, checked against the model and optimizer being resumed
    /// so that a rollback to it cannot fail. (A checkpoint from before this callback had its own file keeps the
    /// count in `trainer.json`.)
    public func readCheckpoint(from folder: CheckpointFolder, state: TrainingState) throws {
        if folder.contains("callbacks/\(checkpointKey).json") {
            rollbacks = Int(try folder.readCallback(key: checkpointKey).values["rollbacks"] ?? 0)
        } else {
            rollbacks = try folder.read(LegacyState.self, from: "trainer.json").rollbacks ?? 0
        }
        epochStart = nil
        let sub = CheckpointFolder(url: folder.file("epoch-start"))
        guard sub.contains("trainer.json") else { return }
        let weights = try sub.readWeights(from: "model.safetensors", fitting: state.model)
        let optimizerState = try sub.readOptimizerState(prefix: "optimizer")
        let current = state.optimizer.stateDict()
        guard optimizerState.optimizer == current.optimizer,
            optimizerState.parameters.map(\.shape) == current.parameters.map(\.shape)
        else {
            throw DescentError(
                .file, sub.file("optimizer.json").path,
                "does not fit the optimizer being resumed (\(current.optimizer))")
        }
        let progress = try sub.read(TrainerState.self, from: "trainer.json")
        epochStart = Snapshot(weights: weights, optimizerState: optimizerState, progress: progress)
    }

    /// The rollback count as checkpoints before ``NonFiniteLossGuard`` kept it.
    private struct LegacyState: Decodable { var rollbacks: Int? }
}
