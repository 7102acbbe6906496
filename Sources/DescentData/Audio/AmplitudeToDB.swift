import Descent
import Foundation

/// Converts a power or magnitude spectrogram to decibels, as `torchaudio.transforms.AmplitudeToDB`.
///
/// `dB = multiplier · log₁₀(max(x, amin)) − multiplier · log₁₀(max(amin, ref))`, with `multiplier` 10 for
/// power and 20 for magnitude; with `topDB`, values are then clamped from below at `max(dB) − topDB`, the
/// maximum taken over the last three dimensions (the whole tensor when it has at most three dimensions,
/// each leading index separately otherwise).
public struct AmplitudeToDB: Transform {
    /// Whether the input holds powers (`|X|²`) or magnitudes (`|X|`).
    public enum Scale: String, Sendable {
        /// Power spectrogram: multiplier 10.
        case power
        /// Magnitude spectrogram: multiplier 20.
        case magnitude
    }

    /// Whether the input holds powers or magnitudes.
    public let stype: Scale
    /// The dynamic range kept below the maximum, in dB; `nil` keeps all values.
    public let topDB: Float?
    /// Smallest input value, guarding `log(0)`.
    public let amin: Float
    /// Reference value that maps to 0 dB.
    public let ref: Float

    /// A converter with torchaudio's defaults: power, no `topDB`, `amin` 1e−10, `ref` 1.
    public init(stype: Scale = .power, topDB: Float? = nil, amin: Float = 1e-10, ref: Float = 1) {
        precondition(amin > 0, "AmplitudeToDB: amin must be positive, got \(amin)")
        precondition(topDB.map { $0 >= 0 } ?? true, "AmplitudeToDB: topDB must be non-negative")
        self.stype = stype
        self.topDB = topDB
        self.amin = amin
        self.ref = ref
    }

    /// 10 for power, 20 for magnitude.
    public var multiplier: Float { stype == .power ? 10 : 20 }

    /// `x` in decibels (same shape).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let mult = multiplier
        let offset = mult * Foundation.log10(max(amin, ref))
        var out = x.scalars
        for i in out.indices { out[i] = mult * Foundation.log10(max(out[i], amin)) - offset }
        if let topDB, !out.isEmpty {
            let group = x.rank <= 3 ? out.count : Shape.count(Array(x.shape.suffix(3)))
            if group > 0 {
                for start in stride(from: 0, to: out.count, by: group) {
                    let floor = out[start..<start + group].max()! - topDB
                    for i in start..<start + group where out[i] < floor { out[i] = floor }
                }
            }
        }
        return Tensor(out, shape: x.shape)
    }

    /// The sample with its input in decibels; the target is kept.
    public func callAsFunction(_ sample: Sample, generator: RandomGenerator) throws -> Sample {
        Sample(input: self(sample.input), target: sample.target)
    }
}
