/// A fixed learning rate, `lr(k) = baseLR` (Optax's `constant_schedule`; not PyTorch's ``ConstantLR``, which
/// scales the rate by a factor for the first steps).
public struct FixedLR: LearningRateSchedule, Codable, Equatable {
    /// The learning rate.
    public var baseLR: Double
    /// The constant rate `baseLR`.
    public init(baseLR: Double) { self.baseLR = baseLR }
    /// `baseLR`.
    public func lr(at step: Int) -> Double { baseLR }
}
