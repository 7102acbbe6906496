import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Log-mel features of real recordings of the Free Spoken Digit Dataset, read with ``WAVAudio``. Runs only
/// when `DESCENT_DATA` names a folder holding `free-spoken-digit/recordings/` (or
/// `free-spoken-digit-dataset/recordings/`); otherwise it says why it is skipped and passes.
@Suite struct FreeSpokenDigitsFeatureTests {
    /// The recordings folder under `$DESCENT_DATA`, or the reason there is none.
    static func recordingsFolder() -> Result<URL, DescentError> {
        guard let root = ProcessInfo.processInfo.environment["DESCENT_DATA"], !root.isEmpty else {
            return .failure(DescentError(.file, "DESCENT_DATA", "not set"))
        }
        for sub in ["free-spoken-digit/recordings", "free-spoken-digit-dataset/recordings"] {
            let url = URL(fileURLWithPath: root).appendingPathComponent(sub)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                return .success(url)
            }
        }
        return .failure(DescentError(.file, root, "no free-spoken-digit/recordings folder"))
    }

    @Test func logMelFeaturesOfRecordings() throws {
        let folder: URL
        switch Self.recordingsFolder() {
        case .success(let url): folder = url
        case .failure(let why):
            print("FreeSpokenDigitsFeatureTests skipped: \(why)")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".wav") }.sorted()
        try #require(!names.isEmpty, "no .wav files in \(folder.path)")
        let picked = stride(from: 0, to: names.count, by: max(1, names.count / 6)).prefix(6).map { names[$0] }
        let features = LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40)
        let fixed = LogMelSpectrogram(sampleRate: 8000, nFFT: 256, hopLength: 128, nMels: 40, frames: 64)
        let augment = Compose(fixed, FrequencyMasking(freqMaskParam: 8), TimeMasking(timeMaskParam: 10))
        for (i, name) in picked.enumerated() {
            let audio = try WAVAudio(contentsOf: folder.appendingPathComponent(name))
            #expect(
                audio.sampleRate == 8000 && audio.channels == 1,
                "\(name): \(audio.sampleRate) Hz, \(audio.channels) channels")
            let digit = Int(name.prefix { $0 != "_" })
            #expect(digit.map { (0...9).contains($0) } ?? false, "\(name): no digit label")
            let logMel = try features(audio.samples)
            #expect(
                logMel.shape == [1, 40, 1 + audio.frames / 128], "\(name): \(logMel.shape) for \(audio.frames) samples")
            #expect(logMel.scalars.allSatisfy { $0.isFinite })
            let maxDB = logMel.scalars.max()!, minDB = logMel.scalars.min()!
            #expect(maxDB - minDB <= 80 + 1e-3 && maxDB > minDB, "\(name): dB range \(minDB)...\(maxDB)")
            let sample = Sample(input: audio.samples, target: .classIndex(digit ?? 0))
            let out = try augment(sample, generator: SampleRandomness.generator(seed: 1, epoch: 0, index: i))
            #expect(out.input.shape == [1, 40, 64] && out.target == sample.target)
        }
        print("FreeSpokenDigitsFeatureTests: log-mel features of \(picked.count) recordings from \(folder.path)")
    }
}
