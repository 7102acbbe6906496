// The libFuzzer harness of every parser of outside input, built only by `scripts/fuzz` (with
// `-sanitize=fuzzer,address`; `main` hands the command line to libFuzzer's driver). `DESCENT_FUZZ_TARGET` picks the parser; each target feeds
// the bytes through the same entry point the product uses and then touches what the product reads next. A thrown
// `DescentError` with a one-line message is the right answer to bad bytes; anything else (a trap, a sanitizer report,
// another error type, a multi-line message) stops the run as a crash.
import Descent
import DescentData
import DescentONNX
import DescentTrain
import Foundation

/// The parsers, by the name `scripts/fuzz` gives them.
let targets: [String: @Sendable (Data) throws -> Void] = [
    "idx": { data in try idx(data) },
    "gzip": { data in
        let plain = try Gzip.decompress(data, name: "fuzz.gz")
        try idx(plain)
    },
    "cifar": { data in
        for variant in [CIFARBatch.Variant.cifar10, .cifar100] {
            let batch = try CIFARBatch(data: data, path: "fuzz.bin", variant: variant)
            if batch.count > 0 { _ = batch.pixels(batch.count - 1) }
        }
    },
    "csv": { data in
        // The first byte picks the label kind and the header mode; the rest is the file.
        let mode = data.first ?? 0
        let body = data.dropFirst()
        let label: [CSVLabel] = [.classIndex(.index(-1)), .none, .className(.index(0))]
        let header: [CSVHeader] = [.auto, .present, .absent]
        let table = try CSVTable(
            data: Data(body), path: "fuzz.csv", label: label[Int(mode) % 3], header: header[Int(mode / 3) % 3])
        _ = table.featureNames
    },
    "text": { data in
        // The first byte picks the delimiter, the header mode and the tokenizer; the rest is the table.
        let mode = Int(data.first ?? 0)
        let corpus = try TextCorpus.table(
            data: Data(data.dropFirst()), path: "fuzz.csv", text: .index(0), label: .index(-1),
            delimiter: mode % 2 == 0 ? "," : "\t", header: [.auto, .present, .absent][(mode / 2) % 3])
        let encoder = TextEncoder(
            fitting: corpus.texts, tokenizer: Tokenizer(level: mode / 6 % 2 == 0 ? .word : .character),
            minFrequency: 1 + mode / 12 % 3, maxSize: mode / 36 % 2 == 0 ? nil : 16)
        let dataset = TextClassificationDataset(corpus: corpus, encoder: encoder, maxLength: 64)
        for i in 0..<min(dataset.count, 8) { _ = encoder.decode(dataset.sequences[i]) }
    },
    "npy": { data in
        let array = try NPYArray(data: data, path: "fuzz.npy")
        _ = array.floats()
        _ = try? array.integers()
    },
    "wav": { data in
        let audio = try WAVAudio(data: data, path: "fuzz.wav")
        _ = audio.duration
    },
    "safetensors": { data in _ = try SafeTensors.readContents(from: data, location: "fuzz.safetensors") },
    "config": { data in
        // Bytes up to the first NUL are the YAML/JSON document; each NUL-separated part after it a `--set`.
        let parts = data.split(separator: 0, omittingEmptySubsequences: false)
        let yaml = String(decoding: parts.first ?? Data(), as: UTF8.self)
        let overrides = parts.dropFirst().map { String(decoding: $0, as: UTF8.self) }
        _ = try TrainingConfig.parse(yaml: yaml, source: "fuzz.yaml", overrides: overrides)
    },
    "tensorboard": { data in _ = try TensorBoardReader.events(decoding: data, name: "fuzz.tfevents") },
    "onnx": { data in
        // `descent import`'s reader, then the model run on a batch of two zero samples (its shapes were checked
        // when it was read; a text model's zeros are all padding).
        let imported = try ONNXImport.read(data, source: "fuzz.onnx")
        guard Shape.count(imported.inputShape) <= 1 << 16 else { return }
        _ = withNoGrad { imported.model(Tensor.zeros([2] + imported.inputShape)) }
    },
    "tar": { data in
        let archive = try TarArchive(data: data, path: "fuzz.tar")
        for name in archive.entries.keys { _ = archive.contents(of: name) }
    },
    "image": { data in
        // libjpeg-turbo, libpng or libwebp through `ImageFile` (format from the bytes, EXIF orientation), then what
        // `ImageFolder` does with the pixels: grey and RGB planes, and a resize when the image is small.
        let image = try ImageFile.decode(data, path: "fuzz.img")
        for channels in [1, 3] {
            let planes = ImageFolder.planes(image, channels: channels)
            if image.width * image.height <= 1 << 16 {
                _ = try Resize.resize(
                    Tensor(planes, shape: [channels, image.height, image.width]), height: 7, width: 5)
            }
        }
    },
    "imagelist": { data in
        // The first byte picks the format (CSV, TSV, JSON, JSON Lines) and whether training classes are given.
        let mode = Int(data.first ?? 0)
        let name = "fuzz." + ["csv", "tsv", "json", "jsonl"][mode % 4]
        let list = try ImageList(
            data: Data(data.dropFirst()), path: name, classes: mode / 4 % 2 == 0 ? nil : ["cat", "dog", "eel"])
        for e in list.entries { _ = list.classes[e.label] }
    },
    "shard": { data in
        // The bytes as the one shard of a folder, read as `ImageShards` reads it (headers, `.cls` members) and
        // every sample loaded (its image read back from the file and decoded), as a loader would.
        try data.write(to: shardFolder.appendingPathComponent("shard-000000.tar"))
        let shards = try ImageShards(folder: shardFolder, channels: 3, size: (6, 6), shuffleBuffer: 4)
        _ = shards.shuffledOrder(seed: 1, epoch: 0)
        for i in 0..<min(shards.count, 16) { _ = try shards.loadSample(at: i) }
    },
]

/// The folder the `shard` target writes each input into, as its one shard.
let shardFolder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("descent-fuzz-shard-\(getpid())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

/// An IDX file and every element of it, as the MNIST loaders read them.
func idx(_ data: Data) throws {
    let array = try IDXArray(data: data, path: "fuzz.idx")
    _ = array.floats(0..<array.count)
    _ = try? array.integers()
}

/// The chosen parser, read once from `DESCENT_FUZZ_TARGET`.
let target: @Sendable (Data) throws -> Void = {
    let name = ProcessInfo.processInfo.environment["DESCENT_FUZZ_TARGET"] ?? ""
    guard let body = targets[name] else {
        fatalError("DESCENT_FUZZ_TARGET=\(name): not one of \(targets.keys.sorted().joined(separator: ", "))")
    }
    return body
}()

/// One input, as libFuzzer calls it (exported under libFuzzer's name too, which its runtime references).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
    do {
        try target(data)
    } catch let error as DescentError {
        if error.description.contains(where: \.isNewline) {
            fatalError("a multi-line error message: \(error.description)")
        }
    } catch {
        fatalError("not a DescentError: \(type(of: error)) \(error)")
    }
    return 0
}

/// libFuzzer's driver (in the `-sanitize=fuzzer` runtime): parses libFuzzer's flags and fuzzes `callback`.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

_ = target
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv) { fuzz($0, $1) })
