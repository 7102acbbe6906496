import Testing

@testable import Descent

/// Serialized: one test changes the process-wide `Backend.threads` (and restores it).
@Suite(.serialized) struct RandomGeneratorTests {
    /// Random123's published known-answer vectors for Philox4x32-10 (counter words c0…c3, key words k0, k1).
    @Test func philoxMatchesKnownAnswers() {
        #expect(
            RandomGenerator.philox(key: 0, counter: 0, stream: 0)
                == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(
            RandomGenerator.philox(key: .max, counter: .max, stream: .max)
                == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(
            RandomGenerator.philox(
                key: 0x299F_31D0_A409_3822, counter: 0x85A3_08D3_243F_6A88, stream: 0x0370_7344_1319_8A2E)
                == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    @Test func sameSeedSameNumbers() {
        let a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        #expect(a.uniform([1000]).isBitwiseEqual(b.uniform([1000])))
        #expect(a.normal([7, 3]).isBitwiseEqual(b.normal([7, 3])))
        #expect(a.permutation(50) == b.permutation(50))
        #expect(a.integer(in: 0..<1000) == b.integer(in: 0..<1000))
        #expect(a.uniformFloat() == b.uniformFloat())
        // Successive draws continue the sequence rather than repeating it.
        #expect(!a.uniform([100]).isBitwiseEqual(a.uniform([100])))
    }

    @Test func differentSeedsAndStreamsDiffer() {
        let base = RandomGenerator(seed: 1).uniform([64]).scalars
        let otherStream = RandomGenerator(seed: 1, stream: 1).uniform([64]).scalars
        let otherSeed = RandomGenerator(seed: 2).uniform([64]).scalars
        #expect(zip(base, otherStream).filter { $0 == $1 }.count < 4)
        #expect(zip(base, otherSeed).filter { $0 == $1 }.count < 4)
        #expect(RandomGenerator(seed: 1, stream: 1).stream == 1)
    }

    @Test func stateSaveAndRestoreResumesTheSequence() {
        let g = RandomGenerator(seed: 9)
        _ = g.uniform([10])
        let saved = g.state
        let first = g.normal([20])
        g.state = saved
        #expect(g.normal([20]).isBitwiseEqual(first))
        g.reset(seed: 9)
        #expect(g.uniform([10]).isBitwiseEqual(RandomGenerator(seed: 9).uniform([10])))
        g.reset(seed: 10)
        #expect(g.state.seed == 10 && g.state.offset == 0)
        #expect(g.uniform([10]).isBitwiseEqual(RandomGenerator(seed: 10).uniform([10])))
    }

    @Test func uniformMoments() {
        let v = RandomGenerator(seed: 3).uniform([100_000]).scalars
        #expect(v.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)
        #expect(Swift.abs(mean - 0.5) < 0.005)  // standard error 0.0009
        #expect(Swift.abs(variance - 1.0 / 12) < 0.002)
        let r = RandomGenerator(seed: 4).uniform([10_000], low: -3, high: 5).scalars
        #expect(r.allSatisfy { $0 >= -3 && $0 < 5 })
        #expect(r.min()! < -2.9 && r.max()! > 4.9)
    }

    @Test func normalMoments() {
        let v = Tensor.randn([100_000], generator: RandomGenerator(seed: 5)).scalars
        #expect(v.allSatisfy { $0.isFinite })
        let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        let std = (v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.02)  // standard error 0.003
        #expect(Swift.abs(std - 1) < 0.02)
        let within1 = Double(v.filter { Swift.abs($0) < 1 }.count) / Double(v.count)
        #expect(Swift.abs(within1 - 0.6827) < 0.01)
        let shifted = Tensor.normal([50_000], mean: 3, std: 0.5, generator: RandomGenerator(seed: 6)).scalars
        let m2 = shifted.reduce(0.0) { $0 + Double($1) } / Double(shifted.count)
        #expect(Swift.abs(m2 - 3) < 0.02)
    }

    @Test func bernoulliAndIntegers() {
        let b = Tensor.bernoulli([20_000], p: 0.3, generator: RandomGenerator(seed: 7)).scalars
        #expect(b.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(Swift.abs(b.reduce(0, +) / 20_000 - 0.3) < 0.015)
        let g = RandomGenerator(seed: 8)
        var seen = Set<Int>()
        for _ in 0..<200 {
            let i = g.integer(in: -3..<4)
            #expect((-3..<4).contains(i))
            seen.insert(i)
        }
        #expect(seen.count == 7)
        let f = (0..<100).map { _ in g.uniformFloat() }
        #expect(f.allSatisfy { $0 >= 0 && $0 < 1 } && Set(f).count > 90)
    }

    @Test func permutationIsAPermutation() {
        let g = RandomGenerator(seed: 11)
        for n in [0, 1, 2, 3, 10, 101] {
            let p = g.permutation(n)
            #expect(p.sorted() == Array(0..<n), "n = \(n)")
        }
        let p = g.permutation(100)
        #expect(p != Array(0..<100))
        #expect(p != g.permutation(100))
        // Every position receives every value about equally often.
        var firstCounts = [Int](repeating: 0, count: 4)
        for _ in 0..<4000 { firstCounts[g.permutation(4)[0]] += 1 }
        #expect(firstCounts.allSatisfy { Swift.abs($0 - 1000) < 150 })
    }

    /// Each number is a function of (seed, stream, position), not of how the work is split between threads.
    @Test func resultsDoNotDependOnThreadCount() {
        let saved = Backend.threads
        defer { Backend.threads = saved }
        func draw() -> [Tensor] {
            let g = RandomGenerator(seed: 12, stream: 3)
            return [
                g.uniform([300_001]), g.normal([200_003]), g.bernoulli([100_000], p: 0.5),
                Tensor(g.permutation(1000).map(Float.init)),
            ]
        }
        Backend.threads = 1
        let one = draw()
        Backend.threads = 2
        #expect(Backend.threads == 2)
        let two = draw()
        for (a, b) in zip(one, two) { #expect(a.isBitwiseEqual(b)) }
    }
}
