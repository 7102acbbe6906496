import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// Decibels against torchaudio: absolute error ≤ 1e-3 dB (dB values cross zero, so no relative measure).
@Suite struct AmplitudeToDBTests {
    @Test func powerWithTopDBMatchesTorchaudio() throws {
        let f = try AudioFixture.load()
        let db80 = AmplitudeToDB(stype: .power, topDB: 80)(f.melSpectrogram.tensor)
        expectAudioAbsClose(db80, f.melDBTop80.tensor, atol: 1e-3, "dB power top 80")
        #expect(db80.scalars.min()! >= db80.scalars.max()! - 80)
        // 40 dB is below this clip's dynamic range, so the clamp is exercised.
        let db40 = AmplitudeToDB(stype: .power, topDB: 40)(f.melSpectrogram.tensor)
        expectAudioAbsClose(db40, f.melDBTop40.tensor, atol: 1e-3, "dB power top 40")
        #expect(Swift.abs(db40.scalars.max()! - db40.scalars.min()! - 40) < 1e-4)
    }

    @Test func magnitudeMatchesTorchaudio() throws {
        let f = try AudioFixture.load()
        let db = AmplitudeToDB(stype: .magnitude)(f.melMagnitude.tensor)
        expectAudioAbsClose(db, f.melMagnitudeDB.tensor, atol: 1e-3, "dB magnitude")
    }

    @Test func formulaAndPerExampleTopDB() {
        let x = Tensor([1, 10, 100, 0], shape: [1, 2, 2])
        #expect(AmplitudeToDB()(x).scalars == [0, 10, 20, -100])
        #expect(AmplitudeToDB(stype: .magnitude)(x).scalars == [0, 20, 40, -200])
        #expect(AmplitudeToDB(ref: 10)(x).scalars == [-10, 0, 10, -110])
        // Four dimensions: the top-dB floor is per leading index.
        let batch = Tensor([1, 1, 1, 1e-6, 1e6, 1, 1, 1], shape: [2, 1, 2, 2])
        let db = AmplitudeToDB(topDB: 30)(batch).scalars
        #expect(db == [0, 0, 0, -30, 60, 30, 30, 30])
    }
}
