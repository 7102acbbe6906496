import Descent

/// Pads or crops the last axis of a tensor to a fixed length — a waveform `[..., samples]` or a spectrogram
/// `[..., freq, frames]` — so that variable-length clips batch together.
///
/// `y[..., j] = x[..., offset + j]` for `0 ≤ offset + j < n`, else `padValue`: a longer input is cropped at
/// `offset` (0, centred `(n − length) / 2`, or uniform in `0...n − length`), a shorter one padded at the end.
public struct FixedLength: Transform {
    /// Where a longer input is cropped.
    public enum Crop: Sendable {
        /// Keep the first `length` entries.
        case start
        /// Keep the middle `length` entries, offset `(n − length) / 2`.
        case center
        /// Keep `length` entries at an offset drawn uniformly from `0...n − length` (with the ``Transform``
        /// conformance; the plain call crops at the start).
        case random
    }

    /// The length of the last axis after the transform.
    public let length: Int
    /// Where a longer input is cropped.
    public let crop: Crop
    /// Value of the padding appended to a shorter input.
    public let padValue: Float

    /// Pads with `padValue` (0) at the end or crops (`crop`, default at the start) to `length`.
    public init(length: Int, crop: Crop = .start, padValue: Float = 0) {
        precondition(length >= 1, "FixedLength: length must be positive, got \(length)")
        self.length = length
        self.crop = crop
        self.padValue = padValue
    }

    /// `x` with its last axis padded or cropped to ``length`` (a random crop is drawn from `generator`, or taken
    /// at the start when it is `nil`).
    ///
    /// - Throws: ``DescentError`` when `x` is a scalar.
    public func callAsFunction(_ x: Tensor, generator: RandomGenerator? = nil) throws -> Tensor {
        guard x.rank >= 1 else { throw DescentError(.shape, "FixedLength", "expected a tensor [..., n], got a scalar") }
        let n = x.shape[x.rank - 1]
        if n == length { return x }
        var offset = 0
        if n > length {
            switch crop {
            case .start: offset = 0
            case .center: offset = (n - length) / 2
            case .random: offset = generator.map { $0.integer(in: 0..<(n - length + 1)) } ?? 0
            }
        }
        let rows = x.shape.dropLast().reduce(1, *)
        var out = [Float](repeating: padValue, count: rows * length)
        x.withUnsafeBufferPointer { p in
            let copy = min(length, n - offset)
            for r in 0..<rows where copy > 0 {
                for j in 0..<copy { out[r * length + j] = p[r * n + offset + j] }
            }
        }
        return Tensor(out, shape: Array(x.shape.dropLast()) + [length])
    }

    /// The sample with its input's last axis padded or cropped; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: try self(sample.input, generator: generator), target: sample.target)
    }
}
