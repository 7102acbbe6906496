import Foundation
import Testing

@testable import Descent
@testable import DescentData

@Suite struct WAVAudioTests {
    /// Every file written by Python's `wave` module (and the hand-made float / extensible files) reads back with
    /// the expected channels, rate and samples.
    @Test(arguments: [
        "pcm16_mono_8k.wav", "pcm16_stereo_44k.wav", "pcm8_mono.wav", "pcm24_mono.wav",
        "pcm32_stereo.wav", "float32_stereo_chunks.wav", "extensible_pcm16.wav",
    ])
    func readsWhatPythonWrote(_ name: String) throws {
        let all = try DataTestFiles.expectations()["wav"] as! [String: [String: Any]]
        let expected = try #require(all[name])
        let audio = try WAVAudio(contentsOf: DataTestFiles.fixture(name))
        let samples = expected["samples"] as! [[Double]]
        #expect(audio.channels == expected["channels"] as! Int)
        #expect(audio.sampleRate == expected["rate"] as! Int)
        #expect(audio.frames == samples[0].count)
        #expect(audio.samples.scalars == samples.flatMap { $0 }.map { Float($0) })
        #expect(audio.samples.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func sourceFormats() throws {
        #expect(try WAVAudio(contentsOf: DataTestFiles.fixture("pcm8_mono.wav")).sourceFormat == .pcm8)
        #expect(try WAVAudio(contentsOf: DataTestFiles.fixture("pcm24_mono.wav")).sourceFormat == .pcm24)
        #expect(try WAVAudio(contentsOf: DataTestFiles.fixture("float32_stereo_chunks.wav")).sourceFormat == .float32)
        let mono = try WAVAudio(contentsOf: DataTestFiles.fixture("pcm16_mono_8k.wav"))
        #expect(mono.duration == 7.0 / 8000)
    }

    @Test(arguments: [WAVAudio.SampleFormat.pcm8, .pcm16, .pcm24, .pcm32, .float32, .float64])
    func encodedFilesRoundTrip(_ format: WAVAudio.SampleFormat) throws {
        // Values exactly representable in every format: multiples of 1/128 within [-1, 1).
        let values: [Float] = [0, 0.5, -0.5, -1, 0.25, 127.0 / 128, -3.0 / 128, 1.0 / 128]
        let audio = WAVAudio(samples: Tensor(values, shape: [2, 4]), sampleRate: 16000)
        let back = try WAVAudio(data: audio.encoded(as: format), path: "mem.wav")
        #expect(back.channels == 2)
        #expect(back.sampleRate == 16000)
        #expect(back.sourceFormat == format)
        #expect(back.samples.scalars == values)
    }

    @Test func encodingClampsIntegerFormats() throws {
        let audio = WAVAudio(samples: Tensor([2, -3, 1]), sampleRate: 8000)
        let back = try WAVAudio(data: audio.encoded(as: .pcm16), path: "clamp.wav")
        let top: Float = 32767.0 / 32768
        #expect(back.samples.scalars == [top, -1, top])
        #expect(back.channels == 1)
    }

    // MARK: malformed files

    /// A WAV file from chunks (each padded to even size).
    static func wav(_ chunks: [(String, [UInt8])], form: String = "WAVE", riff: String = "RIFF") -> Data {
        var body = Array(form.utf8)
        for (id, payload) in chunks {
            body += Array(id.utf8)
            let n = payload.count
            body += [UInt8(n & 255), UInt8((n >> 8) & 255), UInt8((n >> 16) & 255), UInt8(n >> 24)]
            body += payload
            if n % 2 == 1 { body.append(0) }
        }
        let n = body.count
        return Data(
            Array(riff.utf8) + [UInt8(n & 255), UInt8((n >> 8) & 255), UInt8((n >> 16) & 255), UInt8(n >> 24)] + body)
    }

    static func fmt(
        tag: UInt16 = 1, channels: UInt16 = 1, rate: UInt32 = 8000, blockAlign: UInt16 = 2, bits: UInt16 = 16
    ) -> [UInt8] {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
        return le16(tag) + le16(channels) + le32(rate) + le32(rate * UInt32(blockAlign)) + le16(blockAlign) + le16(bits)
    }

    func reason(_ data: Data) -> String? {
        DataTestFiles.descentError { _ = try WAVAudio(data: data, path: "bad.wav") }?.reason
    }

    @Test func validHandMadeFileReads() throws {
        let a = try WAVAudio(data: Self.wav([("fmt ", Self.fmt()), ("data", [0, 0x40, 0, 0xC0])]), path: "ok.wav")
        #expect(a.samples.scalars == [0.5, -0.5])
    }

    @Test func fileTooShortIsAnError() {
        #expect(reason(Data("RIFF".utf8))?.contains("too short for a RIFF/WAVE header") == true)
    }

    @Test func notRIFFIsAnError() {
        #expect(reason(Self.wav([], riff: "OggS")) == "not a WAV file: it does not start with \"RIFF\"")
        #expect(reason(Self.wav([], riff: "RIFX"))?.contains("big-endian RIFX") == true)
    }

    @Test func notWAVEIsAnError() {
        #expect(reason(Self.wav([], form: "AVI ")) == "not a WAV file: the RIFF form type is not \"WAVE\"")
    }

    @Test func missingFmtChunkIsAnError() {
        #expect(reason(Self.wav([("LIST", [1, 2])])) == "no \"fmt \" chunk")
        #expect(
            reason(Self.wav([("data", [0, 0]), ("fmt ", Self.fmt())]))
                == "\"data\" chunk comes before the \"fmt \" chunk")
    }

    @Test func missingDataChunkIsAnError() {
        #expect(reason(Self.wav([("fmt ", Self.fmt()), ("LIST", [1])])) == "no \"data\" chunk")
    }

    @Test func truncatedDataIsAnError() {
        var d = Self.wav([("fmt ", Self.fmt()), ("data", [1, 2, 3, 4, 5, 6])])
        d = d.prefix(d.count - 3)
        #expect(reason(d) == "truncated: the \"data\" chunk declares 6 bytes, but only 3 follow")
        var c = Self.wav([("fmt ", Self.fmt()), ("junk", [1, 2, 3, 4])])
        c = c.prefix(c.count - 2)
        #expect(reason(c)?.contains("chunk \"junk\" declares 4 bytes") == true)
    }

    @Test func shortFmtChunkIsAnError() {
        #expect(reason(Self.wav([("fmt ", [1, 0, 1, 0])])) == "\"fmt \" chunk is 4 bytes; it needs at least 16")
    }

    @Test func unsupportedFormatsAreErrors() {
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(tag: 2)), ("data", [0, 0])]))?.contains("unsupported WAV format tag 2")
                == true)
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(blockAlign: 2, bits: 12)), ("data", [0, 0])]))?.contains(
                "unsupported PCM sample size of 12 bits") == true)
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(tag: 3, blockAlign: 2, bits: 16)), ("data", [0, 0])]))?.contains(
                "unsupported float sample size of 16 bits") == true)
    }

    @Test func inconsistentBlockAlignmentIsAnError() {
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(channels: 2, blockAlign: 2)), ("data", [0, 0])]))
                == "\"fmt \" chunk declares a block alignment of 2 bytes, but 2 channel(s) of 16-bit samples take 4")
    }

    @Test func partialFrameIsAnError() {
        #expect(
            reason(Self.wav([("fmt ", Self.fmt()), ("data", [0, 0, 0])]))
                == "the \"data\" chunk has 3 bytes, not a whole number of 2-byte frames")
    }

    @Test func zeroChannelsOrRateIsAnError() {
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(channels: 0, blockAlign: 0)), ("data", [])]))
                == "\"fmt \" chunk declares 0 channels")
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(rate: 0)), ("data", [])]))
                == "\"fmt \" chunk declares a sample rate of 0")
    }

    @Test func shortExtensibleFmtIsAnError() {
        #expect(
            reason(Self.wav([("fmt ", Self.fmt(tag: 0xFFFE) + [0, 0]), ("data", [])]))?.contains(
                "WAVE_FORMAT_EXTENSIBLE") == true)
    }
}
