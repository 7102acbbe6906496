import Descent
import Foundation

/// Audio read from a RIFF/WAVE file, or to be written to one.
///
/// Reading accepts PCM with 8 (unsigned), 16, 24 or 32 (signed) bits per sample and IEEE float with 32 or 64
/// bits, any number of channels (mono, stereo, ...), in the plain and the `WAVE_FORMAT_EXTENSIBLE` layouts;
/// chunks other than `fmt ` and `data` (`LIST`, `fact`, `cue `, ...) are skipped. Integer samples are scaled
/// to [-1, 1) by dividing by 2^(bits-1) (8-bit samples are first offset by 128); float samples are kept as
/// stored. Every malformed file is a thrown ``DescentError`` naming the file and the reason.
public struct WAVAudio: Sendable {
    /// How samples are stored in a WAV file.
    public enum SampleFormat: Sendable, Equatable {
        /// Unsigned 8-bit PCM.
        case pcm8
        /// Signed 16-bit PCM.
        case pcm16
        /// Signed 24-bit PCM.
        case pcm24
        /// Signed 32-bit PCM.
        case pcm32
        /// IEEE 32-bit float.
        case float32
        /// IEEE 64-bit float.
        case float64

        /// Bytes per sample of one channel.
        public var bytes: Int {
            switch self {
            case .pcm8: return 1
            case .pcm16: return 2
            case .pcm24: return 3
            case .pcm32, .float32: return 4
            case .float64: return 8
            }
        }

        /// The WAVE format tag (1 = PCM, 3 = IEEE float).
        var formatTag: UInt16 { self == .float32 || self == .float64 ? 3 : 1 }
    }

    /// Samples per second of each channel.
    public let sampleRate: Int
    /// The samples, `[channels, frames]`, as floats in [-1, 1] (for integer formats).
    public let samples: Tensor
    /// How the samples were stored in the file read (``SampleFormat/float32`` for audio made in memory).
    public let sourceFormat: SampleFormat

    /// Number of channels.
    public var channels: Int { samples.shape[0] }
    /// Number of frames (samples per channel).
    public var frames: Int { samples.shape[1] }
    /// Duration in seconds.
    public var duration: Double { Double(frames) / Double(sampleRate) }

    /// Audio from `samples` (`[channels, frames]`, or `[frames]` for mono) at `sampleRate`.
    public init(samples: Tensor, sampleRate: Int) {
        precondition(
            samples.rank == 1 || samples.rank == 2,
            "WAVAudio: samples must be [frames] or [channels, frames], got \(samples.shape)")
        precondition(sampleRate > 0, "WAVAudio: sample rate must be positive")
        self.samples = samples.rank == 1 ? samples.reshaped([1, samples.shape[0]]) : samples
        self.sampleRate = sampleRate
        self.sourceFormat = .float32
    }

    /// Reads the WAV file at `url`.
    ///
    /// - Throws: ``DescentError`` naming the file for a missing file, a missing RIFF/WAVE header, a missing or
    ///   malformed `fmt ` chunk, an unsupported format, a missing `data` chunk, or a truncated file.
    public init(contentsOf url: URL) throws {
        try self.init(data: FileBytes.read(url), path: url.path)
    }

    /// Parses WAV bytes; `path` names them in errors.
    public init(data: Data, path: String) throws {
        var r = ByteReader(data, path: path)
        guard data.count >= 12 else {
            throw r.error("truncated: \(data.count) bytes is too short for a RIFF/WAVE header (12 bytes)")
        }
        let riff = try r.bytes(4, "the RIFF id")
        guard riff == Array("RIFF".utf8) else {
            throw r.error(
                riff == Array("RIFX".utf8)
                    ? "big-endian RIFX files are not supported" : "not a WAV file: it does not start with \"RIFF\"")
        }
        _ = try r.u32LittleEndian("the RIFF size")
        guard try r.bytes(4, "the WAVE id") == Array("WAVE".utf8) else {
            throw r.error("not a WAV file: the RIFF form type is not \"WAVE\"")
        }

        var format: (tag: UInt16, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
        var dataRange: Range<Int>?
        while r.remaining >= 8 && dataRange == nil {
            let id = String(decoding: try r.bytes(4, "a chunk id"), as: UTF8.self)
            let size = Int(try r.u32LittleEndian("the size of chunk \"\(id)\""))
            switch id {
            case "fmt ":
                guard size >= 16 else { throw r.error("\"fmt \" chunk is \(size) bytes; it needs at least 16") }
                var f = ByteReader(Data(try r.bytes(size, "the \"fmt \" chunk")), path: path)
                var tag = try f.u16LittleEndian("the format tag")
                let channels = Int(try f.u16LittleEndian("the channel count"))
                let rate = Int(try f.u32LittleEndian("the sample rate"))
                _ = try f.u32LittleEndian("the byte rate")
                let blockAlign = Int(try f.u16LittleEndian("the block alignment"))
                let bits = Int(try f.u16LittleEndian("the bits per sample"))
                if tag == 0xFFFE {
                    guard size >= 40 else {
                        throw r.error("WAVE_FORMAT_EXTENSIBLE \"fmt \" chunk is \(size) bytes; it needs 40")
                    }
                    try f.skip(8, "the extension size, valid bits and channel mask")
                    tag = try f.u16LittleEndian("the sub-format")
                }
                format = (tag, channels, rate, blockAlign, bits)
            case "data":
                guard format != nil else { throw r.error("\"data\" chunk comes before the \"fmt \" chunk") }
                guard size <= r.remaining else {
                    throw r.error(
                        "truncated: the \"data\" chunk declares \(size) bytes, but only \(r.remaining) follow")
                }
                dataRange = try r.range(size, "the \"data\" chunk")
            default:
                guard size <= r.remaining else {
                    throw r.error("truncated: chunk \"\(id)\" declares \(size) bytes, but only \(r.remaining) follow")
                }
                try r.skip(size, "chunk \"\(id)\"")
            }
            // Chunks are padded to an even size (a missing pad byte at the very end is tolerated).
            if size % 2 == 1 && r.remaining > 0 && dataRange == nil { try r.skip(1, "a pad byte") }
        }
        guard let format else { throw r.error("no \"fmt \" chunk") }
        guard let dataRange else { throw r.error("no \"data\" chunk") }
        guard format.channels > 0 else { throw r.error("\"fmt \" chunk declares 0 channels") }
        guard format.rate > 0 else { throw r.error("\"fmt \" chunk declares a sample rate of 0") }
        let sampleFormat: SampleFormat
        switch (format.tag, format.bits) {
        case (1, 8): sampleFormat = .pcm8
        case (1, 16): sampleFormat = .pcm16
        case (1, 24): sampleFormat = .pcm24
        case (1, 32): sampleFormat = .pcm32
        case (3, 32): sampleFormat = .float32
        case (3, 64): sampleFormat = .float64
        case (1, _), (3, _):
            throw r.error(
                "unsupported \(format.tag == 1 ? "PCM" : "float") sample size of \(format.bits) bits (supported: PCM 8/16/24/32, float 32/64)"
            )
        default:
            throw r.error(
                "unsupported WAV format tag \(format.tag) (supported: 1 PCM, 3 IEEE float, and these inside WAVE_FORMAT_EXTENSIBLE)"
            )
        }
        let frameBytes = format.channels * sampleFormat.bytes
        guard format.blockAlign == frameBytes else {
            throw r.error(
                "\"fmt \" chunk declares a block alignment of \(format.blockAlign) bytes, but \(format.channels) channel(s) of \(format.bits)-bit samples take \(frameBytes)"
            )
        }
        guard dataRange.count % frameBytes == 0 else {
            throw r.error(
                "the \"data\" chunk has \(dataRange.count) bytes, not a whole number of \(frameBytes)-byte frames")
        }
        let frames = dataRange.count / frameBytes
        let channels = format.channels
        var planar = [Float](repeating: 0, count: frames * channels)
        r.data.withUnsafeBytes { raw in
            planar.withUnsafeMutableBufferPointer { out in
                let base = dataRange.lowerBound
                for t in 0..<frames {
                    for c in 0..<channels {
                        let o = base + (t * channels + c) * sampleFormat.bytes
                        let v: Float
                        switch sampleFormat {
                        case .pcm8: v = (Float(raw[o]) - 128) / 128
                        case .pcm16: v = Float(Int16(bitPattern: UInt16(raw[o]) | UInt16(raw[o + 1]) << 8)) / 32768
                        case .pcm24:
                            let u = Int32(raw[o]) | Int32(raw[o + 1]) << 8 | Int32(raw[o + 2]) << 16
                            v = Float((u << 8) >> 8) / 8_388_608
                        case .pcm32:
                            v =
                                Float(
                                    Int32(
                                        bitPattern: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian))
                                / 2_147_483_648
                        case .float32:
                            v = Float(bitPattern: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian)
                        case .float64:
                            v = Float(
                                Double(bitPattern: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian))
                        }
                        out[c * frames + t] = v
                    }
                }
            }
        }
        self.sampleRate = format.rate
        self.samples = Tensor(planar, shape: [channels, frames])
        self.sourceFormat = sampleFormat
    }

    /// WAV file bytes holding these samples in `format` (integer formats clamp to [-1, 1) and round).
    public func encoded(as format: SampleFormat = .pcm16) -> Data {
        let channels = self.channels, frames = self.frames
        let frameBytes = channels * format.bytes
        let dataSize = frames * frameBytes
        var out = Data()
        func u16(_ v: Int) { out.append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16(v >> 16) }
        out.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataSize + dataSize % 2)
        out.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16)
        u16(Int(format.formatTag)); u16(channels); u32(sampleRate); u32(sampleRate * frameBytes)
        u16(frameBytes); u16(format.bytes * 8)
        out.append(contentsOf: Array("data".utf8)); u32(dataSize)
        let v = samples.scalars
        out.reserveCapacity(out.count + dataSize + 1)
        func integer(_ x: Float, _ bits: Int) -> Int {
            let scale = Double(1 << (bits - 1))
            return Int(Swift.min(Swift.max((Double(x) * scale).rounded(), -scale), scale - 1))
        }
        for t in 0..<frames {
            for c in 0..<channels {
                let x = v[c * frames + t]
                switch format {
                case .pcm8: out.append(UInt8(integer(x, 8) + 128))
                case .pcm16: u16(integer(x, 16) & 0xFFFF)
                case .pcm24:
                    let s = integer(x, 24) & 0xFF_FFFF
                    out.append(contentsOf: [UInt8(s & 0xFF), UInt8((s >> 8) & 0xFF), UInt8(s >> 16)])
                case .pcm32: u32(integer(x, 32) & 0xFFFF_FFFF)
                case .float32: u32(Int(x.bitPattern))
                case .float64:
                    let b = Double(x).bitPattern
                    u32(Int(b & 0xFFFF_FFFF)); u32(Int(b >> 32))
                }
            }
        }
        if dataSize % 2 == 1 { out.append(0) }
        return out
    }
}
