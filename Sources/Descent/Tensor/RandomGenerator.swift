import Foundation

/// A seedable, counter-based random generator (Philox4x32-10): the same seed gives the same numbers on
/// every platform and with any thread count, because each number is a pure function of
/// (seed, stream, position).
///
/// Sharing one generator between layers and threads is safe (draws are serialised by a lock). Independent
/// streams for, say, each sample of each epoch come from ``init(seed:stream:)`` without any shared state.
/// ``RandomGenerator/default`` is the one process-wide default (like `torch.manual_seed`).
public final class RandomGenerator: @unchecked Sendable {
    /// The seed (Philox key).
    public let seed: UInt64
    /// The stream id (high half of the Philox counter); different streams never overlap.
    public let stream: UInt64
    private var offset: UInt64 = 0
    private let lock = NSLock()

    /// A generator for `seed`, optionally on a separate `stream`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
    }

    /// The process-wide default generator (seed 0 until ``manualSeed(_:)``).
    public static let `default` = RandomGenerator(seed: 0)

    /// Restarts the default generator's sequence from `seed` (the documented global RNG setting).
    public static func manualSeed(_ seed: UInt64) { `default`.reset(seed: seed) }

    private var seedOverride: UInt64?

    /// Restarts the sequence with a new seed.
    public func reset(seed: UInt64) {
        lock.lock()
        seedOverride = seed
        offset = 0
        lock.unlock()
    }

    /// The position in the sequence (in blocks of four 32-bit numbers): save it to resume exactly.
    public var state: (seed: UInt64, offset: UInt64) {
        get { lock.lock(); defer { lock.unlock() }; return (seedOverride ?? seed, offset) }
        set { lock.lock(); seedOverride = newValue.seed; offset = newValue.offset; lock.unlock() }
    }

    /// Reserves `blocks` consecutive counter blocks and returns (key, first block).
    @usableFromInline
    func reserve(_ blocks: Int) -> (UInt64, UInt64) {
        lock.lock()
        defer { lock.unlock() }
        let start = offset
        offset &+= UInt64(blocks)
        return (seedOverride ?? seed, start)
    }

    /// The Philox4x32-10 block for `counter` under `key`.
    @inlinable
    static func philox(key: UInt64, counter: UInt64, stream: UInt64) -> SIMD4<UInt32> {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2 = UInt32(truncatingIfNeeded: stream), c3 = UInt32(truncatingIfNeeded: stream >> 32)
        var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let hi0 = UInt32(p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        return SIMD4(c0, c1, c2, c3)
    }

    /// A uniform float in [0, 1) from 24 random bits.
    @inlinable
    static func unit(_ bits: UInt32) -> Float { Float(bits >> 8) * 0x1p-24 }

    /// Fills `count` elements with values computed from the element's own random block, in parallel.
    private func fill(_ shape: [Int], perBlock: Int, _ f: @escaping (SIMD4<UInt32>, Int) -> Float) -> Tensor {
        let n = Shape.count(shape)
        let blocks = (n + perBlock - 1) / perBlock
        let (key, start) = reserve(blocks)
        let out = Tensor(uninitializedShape: shape)
        let p = out.storage.pointer
        let stream = self.stream
        Parallel.forEachChunk(blocks, cost: 32) { r in
            for b in r {
                let bits = RandomGenerator.philox(key: key, counter: start &+ UInt64(b), stream: stream)
                for j in 0..<perBlock where b * perBlock + j < n { p[b * perBlock + j] = f(bits, j) }
            }
        }
        return out
    }

    /// Uniform samples in `[low, high)`.
    public func uniform(_ shape: [Int], low: Float = 0, high: Float = 1) -> Tensor {
        fill(shape, perBlock: 4) { bits, j in low + (high - low) * RandomGenerator.unit(bits[j]) }
    }

    /// Normal samples with the given mean and standard deviation (Box–Muller on pairs of uniforms).
    public func normal(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
        fill(shape, perBlock: 4) { bits, j in
            let pair = j / 2
            let u1 = 1 - RandomGenerator.unit(bits[pair * 2])  // (0, 1]
            let u2 = RandomGenerator.unit(bits[pair * 2 + 1])
            let r = (-2 * Foundation.log(u1)).squareRoot()
            let theta = 2 * Float.pi * u2
            return mean + std * (j % 2 == 0 ? r * Foundation.cos(theta) : r * Foundation.sin(theta))
        }
    }

    /// Bernoulli samples: 1 with probability `p`, else 0.
    public func bernoulli(_ shape: [Int], p: Float) -> Tensor {
        fill(shape, perBlock: 4) { bits, j in RandomGenerator.unit(bits[j]) < p ? 1 : 0 }
    }

    /// A uniform integer in `range`.
    public func integer(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "integer(in:): empty range")
        let (key, start) = reserve(1)
        let b = RandomGenerator.philox(key: key, counter: start, stream: stream)
        let x = UInt64(b[0]) << 32 | UInt64(b[1])
        return range.lowerBound + Int(x % UInt64(range.count))
    }

    /// A uniform float in [0, 1).
    public func uniformFloat() -> Float {
        let (key, start) = reserve(1)
        return RandomGenerator.unit(RandomGenerator.philox(key: key, counter: start, stream: stream)[0])
    }

    /// A random permutation of `0..<n` (Fisher–Yates).
    public func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        let (key, start) = reserve((n + 1) / 2)
        for i in stride(from: n - 1, to: 0, by: -1) {
            let k = n - 1 - i
            let b = RandomGenerator.philox(key: key, counter: start &+ UInt64(k / 2), stream: stream)
            let x = UInt64(b[(k % 2) * 2]) << 32 | UInt64(b[(k % 2) * 2 + 1])
            p.swapAt(i, Int(x % UInt64(i + 1)))
        }
        return p
    }
}

extension Tensor {
    /// Uniform samples in `[low, high)` from `generator` (default: the process-wide generator).
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        generator: RandomGenerator = .default
    ) -> Tensor {
        generator.uniform(shape, low: low, high: high)
    }

    /// Standard normal samples (PyTorch's `randn`) from `generator`.
    public static func randn(_ shape: [Int], generator: RandomGenerator = .default) -> Tensor {
        generator.normal(shape)
    }

    /// Normal samples with the given mean and standard deviation from `generator`.
    public static func normal(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        generator: RandomGenerator = .default
    ) -> Tensor {
        generator.normal(shape, mean: mean, std: std)
    }

    /// Bernoulli samples (1 with probability `p`) from `generator`.
    public static func bernoulli(_ shape: [Int], p: Float, generator: RandomGenerator = .default) -> Tensor {
        generator.bernoulli(shape, p: p)
    }
}
