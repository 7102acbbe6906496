import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// A tensor in `Fixtures/audio.json`: `{"shape": [..], "data": [..]}`, row-major.
struct AudioFixtureTensor: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(data, shape: shape) }
}

/// One forced SpecAugment mask: the two uniform draws torchaudio made and its output on `melSpectrogram`.
struct AudioFixtureMask: Decodable {
    let axis: String
    let maskParam: Int
    let u1: Double
    let u2: Double
    let output: AudioFixtureTensor
}

/// `Tests/DescentDataTests/Fixtures/audio.json`, written by `Tests/Fixtures/generate_audio.py` with torchaudio.
struct AudioFixture: Decodable {
    let torchaudio: String
    let sampleRate: Int
    let waveform: AudioFixtureTensor
    let spectrogramPower2: AudioFixtureTensor
    let spectrogramDefaultPower1: AudioFixtureTensor
    let spectrogramWin200: AudioFixtureTensor
    let melFilterbank: AudioFixtureTensor
    let melSpectrogram: AudioFixtureTensor
    let melDBTop80: AudioFixtureTensor
    let melDBTop40: AudioFixtureTensor
    let melMagnitude: AudioFixtureTensor
    let melMagnitudeDB: AudioFixtureTensor
    let complexSTFT: AudioFixtureTensor
    let timeStretch13: AudioFixtureTensor
    let masks: [AudioFixtureMask]

    /// The decoded fixture (read once).
    static func load() throws -> AudioFixture {
        guard let url = Bundle.module.url(forResource: "audio.json", withExtension: nil, subdirectory: "Fixtures")
        else {
            throw DescentError(.file, "Fixtures/audio.json", "fixture not found in the test bundle")
        }
        return try JSONDecoder().decode(AudioFixture.self, from: Data(contentsOf: url))
    }

    /// The first `samples` samples of the fixture waveform, `[1, samples]`.
    func waveformPrefix(_ samples: Int) -> Tensor {
        Tensor(Array(waveform.data.prefix(samples)), shape: [1, samples])
    }
}

/// The largest `|a − b| / (|b| + floor · max|b|)` over all elements: a relative error with an absolute floor
/// that is a fraction `floor` of the largest reference magnitude (near-zero bins of a spectrogram carry only
/// the float32 rounding of the large ones).
func audioRelativeError(_ a: Tensor, _ b: Tensor, floor: Float) -> Float {
    let scale = b.scalars.map { Swift.abs($0) }.max() ?? 0
    var worst: Float = 0, at = 0
    for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() {
        if x.isNaN || y.isNaN { return .infinity }
        let e = Swift.abs(x - y) / (Swift.abs(y) + floor * scale + Float.leastNormalMagnitude)
        if e > worst { (worst, at) = (e, i) }
    }
    if ProcessInfo.processInfo.environment["DESCENT_AUDIO_ERRORS"] != nil, !b.scalars.isEmpty {
        print("  worst at \(at): \(a.scalars[at]) vs \(b.scalars[at]) (max \(scale))")
    }
    return worst
}

/// Expects equal shapes and ``audioRelativeError(_:_:floor:)`` at most `rtol`.
func expectAudioClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, floor: Float = 1e-5,
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let err = audioRelativeError(actual, expected, floor: floor)
    if ProcessInfo.processInfo.environment["DESCENT_AUDIO_ERRORS"] != nil { print("\(what): error \(err)") }
    #expect(
        err <= rtol, "\(what): relative error \(err) > \(rtol) (floor \(floor) of max)", sourceLocation: sourceLocation)
}

/// Expects equal shapes and `max |a − b| ≤ atol` (for decibels, whose values cross zero).
func expectAudioAbsClose(
    _ actual: Tensor, _ expected: Tensor, atol: Float, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)",
        sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let err = zip(actual.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    if ProcessInfo.processInfo.environment["DESCENT_AUDIO_ERRORS"] != nil { print("\(what): abs error \(err)") }
    #expect(err <= atol, "\(what): max absolute error \(err) > \(atol)", sourceLocation: sourceLocation)
}
