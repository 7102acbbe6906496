import Descent

/// A transform of a whole batch (inputs and targets together), for augmentations that mix samples.
public protocol BatchTransform: Sendable {
    /// The transformed batch: `inputs` `[B, ...]`, `targets` `[B, classes]` (probabilities or one-hot), with
    /// randomness drawn only from `generator`.
    ///
    /// - Throws: ``DescentError`` when the shapes do not fit.
    func callAsFunction(inputs: Tensor, targets: Tensor, generator: RandomGenerator) throws -> (
        inputs: Tensor, targets: Tensor
    )
}
