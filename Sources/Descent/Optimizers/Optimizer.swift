/// What a training loop needs from any optimizer: step, clear gradients, read and set learning rates, save
/// and restore state. Every optimizer in Descent is a ``RuleOptimizer`` (``SGD``, ``Adam``, ...).
///
/// A typical step (PyTorch's order):
/// ```swift
/// optimizer.zeroGrad()
/// let loss = lossFunction(model(x), y)
/// loss.backward()
/// optimizer.step()
/// ```
/// Optimizers update the parameters in place through their shared identity (see ``Tensor``), so the module
/// that holds the parameters sees the new values.
public protocol Optimizer: AnyObject {
    /// Name of the optimizer, as in `torch.optim` (`"SGD"`, `"Adam"`, ...).
    var name: String { get }
    /// Every parameter, group after group.
    var parameters: [Tensor] { get }
    /// The learning rate of each parameter group.
    var learningRates: [Double] { get set }
    /// Each group's learning rate when the group was created (PyTorch's `initial_lr`, the base of schedules).
    var initialLearningRates: [Double] { get }
    /// The momentum-like coefficient of each group (momentum, or β₁ of the Adam family), or `nil` for an
    /// optimizer without one; setting `nil` changes nothing. One-cycle schedules cycle it.
    var momenta: [Double]? { get set }
    /// How many times ``step()`` has run.
    var stepCount: Int { get }

    /// Updates every parameter that has a gradient; parameters whose `grad` is `nil` are skipped and their
    /// state is left unchanged (like PyTorch).
    func step()
    /// Runs `computeGradients` (which computes the loss and calls `backward`) and then steps. For most
    /// optimizers this is `computeGradients(); step()`; the look-ahead Nesterov form moves the parameters to
    /// the look-ahead point first, so the gradient is taken there.
    func step(computingGradients computeGradients: () throws -> Void) rethrows
    /// Sets every parameter's gradient to `nil` (PyTorch's `zero_grad(set_to_none=True)`).
    func zeroGrad()
    /// The complete state (hyperparameters of every group, step counts, buffers) as a plain `Codable` value.
    func stateDict() -> OptimizerState
    /// Restores a state saved by ``stateDict()`` of an optimizer of the same kind over parameters of the same
    /// shapes; training then continues bitwise as if it had never stopped.
    func load(state: OptimizerState) throws
}

extension Optimizer {
    /// The learning rate of the first group; setting it sets every group's.
    public var lr: Double {
        get { learningRates.first ?? 0 }
        set { learningRates = Array(repeating: newValue, count: learningRates.count) }
    }
}
