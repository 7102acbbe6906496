import Descent

/// Per-channel mean and standard deviation of a dataset's inputs, to normalise with (``Normalize``).
///
/// The channel is the first axis of each input: for images `[C, H, W]` the statistics are over all pixels of
/// each colour channel, for feature vectors `[F]` each feature is its own channel (standardisation). Compute
/// them on the training split only (`ChannelStatistics(of: splits.train)`), and apply the same values to every
/// split. The standard deviation is the population one (divisor N), accumulated in `Double`; a constant channel
/// (zero variance, such as a feature column holding one value) has exactly that value as its mean and 0 as its
/// deviation, which ``Normalize/init(_:)`` replaces by 1 (the channel becomes 0), as scikit-learn's
/// `StandardScaler` does.
public struct ChannelStatistics: Sendable, Equatable {
    /// Mean of each channel.
    public let mean: [Float]
    /// Standard deviation of each channel.
    public let std: [Float]
    /// Number of values that went into each channel's statistics.
    public let valuesPerChannel: Int

    /// Statistics from known values.
    public init(mean: [Float], std: [Float], valuesPerChannel: Int = 0) {
        precondition(mean.count == std.count, "ChannelStatistics: \(mean.count) means and \(std.count) deviations")
        self.mean = mean
        self.std = std
        self.valuesPerChannel = valuesPerChannel
    }

    /// Computes the statistics of the inputs of every sample of `dataset`.
    ///
    /// - Throws: ``DescentError`` of kind `.shape` when the dataset is empty, an input is a scalar, or inputs
    ///   have different numbers of channels.
    public init(of dataset: some Dataset) throws {
        guard dataset.count > 0 else { throw DescentError(.shape, "ChannelStatistics", "the dataset is empty") }
        var sum = [Double](), squares = [Double](), perChannel = 0
        var low = [Float](), high = [Float]()
        for i in 0..<dataset.count {
            let x = dataset.sample(at: i).input
            guard x.rank >= 1 else {
                throw DescentError(
                    .shape, "ChannelStatistics", "sample \(i) has a scalar input; inputs need a channel axis")
            }
            let c = x.shape[0]
            if i == 0 {
                sum = [Double](repeating: 0, count: c)
                squares = sum
                low = [Float](repeating: .infinity, count: c)
                high = [Float](repeating: -.infinity, count: c)
            } else if c != sum.count {
                throw DescentError(
                    .shape, "ChannelStatistics",
                    "sample \(i) has \(c) channels (shape \(x.shape)), sample 0 has \(sum.count)")
            }
            let n = c == 0 ? 0 : x.count / c
            if i == 0 { perChannel = 0 }
            perChannel += n
            x.withUnsafeBufferPointer { p in
                for ch in 0..<c {
                    var s = 0.0, q = 0.0, lo = low[ch], hi = high[ch]
                    for j in (ch * n)..<((ch + 1) * n) {
                        let v = Double(p[j])
                        s += v
                        q += v * v
                        lo = Swift.min(lo, p[j])
                        hi = Swift.max(hi, p[j])
                    }
                    low[ch] = lo
                    high[ch] = hi
                    sum[ch] += s
                    squares[ch] += q
                }
            }
        }
        let total = Double(perChannel)
        // A constant channel gets exactly its value as mean and 0 as deviation (no rounding residue from the
        // sums), which ``Normalize`` turns into a scale of 1, as scikit-learn's `StandardScaler` does.
        let constant = (0..<sum.count).map { low[$0] == high[$0] }
        mean = sum.indices.map { constant[$0] ? low[$0] : Float(sum[$0] / total) }
        std = sum.indices.map { ch in
            if constant[ch] { return 0 }
            let m = sum[ch] / total
            return Float(Swift.max(squares[ch] / total - m * m, 0).squareRoot())
        }
        valuesPerChannel = perChannel
    }
}
