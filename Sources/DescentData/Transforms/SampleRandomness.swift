import Descent

/// Where the data pipeline's random numbers come from: one key per (seed, epoch), and on it one Philox stream
/// per sample index for transforms and one reserved stream for the epoch's shuffle. Every generator is a pure
/// function of its arguments, so results never depend on threads or on the order of work.
public enum SampleRandomness {
    /// The stream used for shuffling (no sample index reaches it).
    public static let shuffleStream = UInt64.max

    /// The Philox key of `epoch` under `seed`: both mixed by SplitMix64 so that nearby seeds and epochs give
    /// unrelated keys.
    public static func epochKey(seed: UInt64, epoch: Int) -> UInt64 {
        splitMix(seed ^ splitMix(UInt64(bitPattern: Int64(epoch)) &+ 0x9E37_79B9_7F4A_7C15))
    }

    /// The generator for the transforms of sample `index` (its index in the dataset) in `epoch`:
    /// `RandomGenerator(seed: epochKey(seed, epoch), stream: index)`.
    public static func generator(seed: UInt64, epoch: Int, index: Int) -> RandomGenerator {
        precondition(index >= 0, "SampleRandomness: negative sample index \(index)")
        return RandomGenerator(seed: epochKey(seed: seed, epoch: epoch), stream: UInt64(index))
    }

    /// The generator that shuffles the sample order of `epoch`.
    public static func shuffleGenerator(seed: UInt64, epoch: Int) -> RandomGenerator {
        RandomGenerator(seed: epochKey(seed: seed, epoch: epoch), stream: shuffleStream)
    }

    /// The SplitMix64 finaliser.
    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
