import Descent

/// A value that maps a sample to a new one — preprocessing (normalisation, one-hot targets) or augmentation
/// (random crops, flips, noise).
///
/// Randomness comes only from the `generator` argument, never from a shared or global generator: the
/// ``DataLoader`` passes each sample its own generator, derived from (seed, epoch, sample index) by
/// ``SampleRandomness/generator(seed:epoch:index:)``, so the result is the same whichever worker thread runs
/// it and in whatever order. A deterministic transform ignores the generator. Transforms must be safe to call
/// from several threads at once (they are `Sendable` values).
public protocol Transform: Sendable {
    /// The transformed sample, drawing any randomness from `generator`.
    ///
    /// - Throws: ``DescentError`` when the sample does not fit the transform (wrong channel count, a class
    ///   outside the range, ...).
    func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample
}
