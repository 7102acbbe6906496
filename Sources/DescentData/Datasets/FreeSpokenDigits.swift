import Descent
import Foundation

/// The Free Spoken Digit Dataset (Jackson et al.): 3,000 recordings of 6 speakers saying the digits 0...9,
/// 50 times each; mono 16-bit WAV at 8 kHz, trimmed of silence, so lengths vary (0.14 s to 2.3 s).
///
/// Samples are raw waveforms `[1, samples]` in [-1, 1] with the digit as class target. Because lengths
/// vary, batch them with ``Collation/pad(value:)`` (or batch size 1). The official split puts repetitions
/// 0...4 of every digit and speaker in the test set (300 recordings) and 5...49 in the training set (2,700).
///
/// Files `{digit}_{speaker}_{index}.wav` are read from `free-spoken-digit/recordings/` under the data
/// directory (see ``DataDirectory``; also the repository's own layout `free-spoken-digit-dataset/recordings/`).
/// With `verify`, all 3,000 files must be present and are checked together against the published SHA-256 of
/// their `SHA256SUMS` listing.
public struct FreeSpokenDigits: Dataset {
    /// One recording's identity, from its file name.
    public struct Recording: Sendable, Equatable {
        /// The digit spoken (the class).
        public let digit: Int
        /// The speaker's name.
        public let speaker: String
        /// The repetition number, 0...49.
        public let index: Int
        /// The file name.
        public let fileName: String
    }

    /// The speakers, in alphabetical order.
    public static let speakers = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
    /// The recordings' sample rate in Hz.
    public static let sampleRate = 8000
    /// Published SHA-256 of the `SHA256SUMS` listing (`<sha256>  recordings/<file>` lines, files in byte order).
    static let listingSHA256 = "04e1baae96c6a26e39c623f2b01d0182ddae627ba0ac02a3cdc17ba2af99fd9b"
    /// Where to get the files, for error messages.
    static let howToGet =
        "Get the folder recordings/ of https://github.com/Jakobovski/free-spoken-digit-dataset (release v1.0.10)."

    /// The part loaded (`nil`: all 3,000 recordings).
    public let split: OfficialSplit?
    /// The recordings, ordered by digit, speaker and repetition.
    public let recordings: [Recording]
    /// Each recording's waveform, `[1, samples]`.
    let waveforms: [Tensor]
    /// The folder the files were read from.
    public let directory: URL

    /// Loads the recordings of `split` (`nil` for all) from `directory` (default: `$DESCENT_DATA`), checking
    /// the files unless `verify` is false.
    ///
    /// - Throws: ``DescentError`` when the folder is missing (saying where it looked and how to get it), a file
    ///   name does not follow `{digit}_{speaker}_{index}.wav`, the check fails, or a WAV file is malformed.
    public init(split: OfficialSplit? = .train, directory: URL? = nil, verify: Bool = true) throws {
        let folders = ["free-spoken-digit/recordings", "free-spoken-digit-dataset/recordings", "recordings"]
        let root = try DataDirectory.requireRoot(
            dataset: "FreeSpokenDigits", explicit: directory, folder: "free-spoken-digit",
            howToGet: FreeSpokenDigits.howToGet)
        let candidates = DataDirectory.candidates(root: root, folders: folders, explicit: directory)
        let fm = FileManager.default
        guard
            let dir = candidates.first(where: { d in
                ((try? fm.contentsOfDirectory(atPath: d.path)) ?? []).contains { $0.hasSuffix(".wav") }
            })
        else {
            throw DataDirectory.notFound(
                dataset: "FreeSpokenDigits", looked: "{digit}_{speaker}_{index}.wav files",
                candidates: candidates, explicit: directory, howToGet: FreeSpokenDigits.howToGet)
        }
        let names = try fm.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".wav") }
        if verify { try FreeSpokenDigits.verify(names, in: dir) }
        var all = [Recording]()
        for name in names {
            let parts = name.dropLast(4).split(separator: "_", omittingEmptySubsequences: false)
            guard parts.count == 3, let d = Int(parts[0]), (0...9).contains(d), let i = Int(parts[2]), i >= 0,
                !parts[1].isEmpty
            else {
                throw DescentError(
                    .file, dir.appendingPathComponent(name).path,
                    "file name does not follow {digit}_{speaker}_{index}.wav")
            }
            all.append(Recording(digit: d, speaker: String(parts[1]), index: i, fileName: name))
        }
        all.sort { ($0.digit, $0.speaker, $0.index) < ($1.digit, $1.speaker, $1.index) }
        let chosen = all.filter { r in
            switch split {
            case nil: return true
            case .test?: return r.index < 5
            case .train?: return r.index >= 5
            }
        }
        self.split = split
        self.recordings = chosen
        self.directory = dir
        self.waveforms = try chosen.map { r in
            let audio = try WAVAudio(contentsOf: dir.appendingPathComponent(r.fileName))
            return audio.samples
        }
    }

    /// Checks the set of files against the published checksum of its listing.
    static func verify(_ names: [String], in dir: URL) throws {
        guard names.count == 3000 else {
            throw DescentError(
                .file, dir.path,
                "holds \(names.count) WAV files; the published dataset has 3,000 (pass verify: false to use a partial copy)"
            )
        }
        let sorted = names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var digests = [String: String]()
        var listing = SHA256()
        for name in sorted {
            let digest = try SHA256.hexDigest(ofFileAt: dir.appendingPathComponent(name))
            digests[name] = digest
            listing.update(Data("\(digest)  recordings/\(name)\n".utf8))
        }
        let actual = listing.hexFinalize()
        guard actual != listingSHA256 else { return }
        // Name the first damaged file when the dataset's own SHA256SUMS is at hand and genuine.
        let sums = dir.deletingLastPathComponent().appendingPathComponent("SHA256SUMS")
        if let text = try? String(contentsOf: sums, encoding: .utf8), SHA256.hexDigest(Data(text.utf8)) == listingSHA256
        {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count == 2 else { continue }
                let name = String(fields[1].dropFirst("recordings/".count))
                if digests[name] != String(fields[0]) {
                    throw DescentError(
                        .file, dir.appendingPathComponent(name).path,
                        digests[name] == nil
                            ? "missing from the folder, which the published dataset has"
                            : "SHA-256 is \(digests[name]!), but the published checksum is \(fields[0]): the file is damaged or not the original"
                    )
                }
            }
        }
        throw DescentError(
            .file, dir.path,
            "the recordings do not match the published dataset (SHA-256 of their listing is \(actual), expected \(listingSHA256)); get them again or pass verify: false"
        )
    }

    /// Number of recordings.
    public var count: Int { recordings.count }
    /// Recording `index`: waveform `[1, samples]` and digit.
    public func sample(at index: Int) -> Sample {
        Sample(input: waveforms[index], target: .classIndex(recordings[index].digit))
    }
    /// The digit of recording `index`.
    public func label(at index: Int) -> Int? { recordings[index].digit }
}
