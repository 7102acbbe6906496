import Foundation
import Testing

@testable import Descent
@testable import DescentData

/// The built-in datasets on small synthetic files in a temporary data directory (the real files are checked in
/// `SharedDataTests`): lookup, layouts, checks and errors.
@Suite struct BuiltinDatasetTests {
    /// Writes MNIST-format files of `n` images (pixel = (image + row + column) % 256, label = image % 10).
    static func writeIDXSet(in dir: URL, split: OfficialSplit, n: Int, gzip: Bool) throws {
        let prefix = split == .train ? "train" : "t10k"
        var pixels = [UInt8]()
        for i in 0..<n { for r in 0..<28 { for c in 0..<28 { pixels.append(UInt8((i + r + c) % 256)) } } }
        let images = DataTestFiles.idx(shape: [n, 28, 28], bytes: pixels)
        let labels = DataTestFiles.idx(shape: [n], bytes: (0..<n).map { UInt8($0 % 10) })
        try DataTestFiles.write(
            gzip ? Gzip.compress(images) : images, "\(prefix)-images-idx3-ubyte" + (gzip ? ".gz" : ""), in: dir)
        try DataTestFiles.write(
            gzip ? Gzip.compress(labels) : labels, "\(prefix)-labels-idx1-ubyte" + (gzip ? ".gz" : ""), in: dir)
    }

    @Test func mnistReadsTheFilesOfItsFolder() throws {
        let root = try DataTestFiles.temporaryDirectory()
        try Self.writeIDXSet(in: root.appendingPathComponent("mnist"), split: .test, n: 12, gzip: true)
        let test = try MNIST(split: .test, directory: root, verify: false)
        #expect(test.count == 12)
        #expect(test.directory.lastPathComponent == "mnist")
        let s = test.sample(at: 5)
        #expect(s.input.shape == [1, 28, 28])
        #expect(s.input[index: 0, 2, 3] == Float(10) / 255)
        #expect(s.target == .classIndex(5))
        #expect(test.label(at: 11) == 1)
        #expect(test.allInputs().shape == [12, 1, 28, 28])
        #expect(test.allInputs()[5].isBitwiseEqual(s.input))
    }

    @Test func mnistAcceptsTorchvisionsLayoutAndTheFolderItself() throws {
        let root = try DataTestFiles.temporaryDirectory()
        try Self.writeIDXSet(in: root.appendingPathComponent("MNIST/raw"), split: .train, n: 3, gzip: false)
        #expect(try MNIST(split: .train, directory: root, verify: false).count == 3)
        let folder = try DataTestFiles.temporaryDirectory()
        try Self.writeIDXSet(in: folder, split: .train, n: 4, gzip: true)
        #expect(try MNIST(split: .train, directory: folder, verify: false).count == 4)
        let fashion = try DataTestFiles.temporaryDirectory()
        try Self.writeIDXSet(in: fashion.appendingPathComponent("FashionMNIST/raw"), split: .test, n: 2, gzip: true)
        let f = try FashionMNIST(split: .test, directory: fashion, verify: false)
        #expect(f.count == 2)
        #expect(FashionMNIST.classNames[f.labels[1]] == "Trouser")
    }

    @Test func missingFilesSayWhereItLookedAndHowToGetThem() throws {
        let root = try DataTestFiles.temporaryDirectory()
        let e = DataTestFiles.descentError { _ = try MNIST(split: .train, directory: root, download: false) }
        #expect(e?.location == "MNIST")
        let reason = e?.reason ?? ""
        #expect(reason.contains("train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]"))
        #expect(reason.contains(root.appendingPathComponent("mnist").path))
        #expect(reason.contains(root.appendingPathComponent("MNIST/raw").path))
        #expect(reason.contains("https://"))
        let fsdd = DataTestFiles.descentError { _ = try FreeSpokenDigits(directory: root) }
        #expect(fsdd?.reason.contains("free-spoken-digit-dataset") == true)
        #expect(
            DataTestFiles.descentError { _ = try CIFAR10(directory: root, download: false) }?.reason.contains(
                "cifar-10-binary.tar.gz") == true)
        #expect(
            DataTestFiles.descentError { _ = try SklearnDigits(directory: root) }?.reason.contains("scikit-learn")
                == true)
    }

    @Test func checksumMismatchIsAnErrorNamingTheFile() throws {
        let root = try DataTestFiles.temporaryDirectory()
        try Self.writeIDXSet(in: root.appendingPathComponent("mnist"), split: .test, n: 2, gzip: true)
        let e = DataTestFiles.descentError { _ = try MNIST(split: .test, directory: root, download: false) }
        #expect(e?.location == root.appendingPathComponent("mnist/t10k-images-idx3-ubyte.gz").path)
        #expect(
            e?.reason.contains("published checksum is 8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6")
                == true)
        // Uncompressed Fashion-MNIST files (no published checksum) are checked by size.
        let fashion = try DataTestFiles.temporaryDirectory()
        try Self.writeIDXSet(in: fashion.appendingPathComponent("fashion-mnist"), split: .test, n: 2, gzip: false)
        let f = DataTestFiles.descentError { _ = try FashionMNIST(split: .test, directory: fashion, download: false) }
        #expect(
            f?.reason
                == "size is 1584 bytes, but the published file has 7840016: the file is damaged or not the original")
    }

    @Test func labelsMustMatchTheImages() throws {
        let root = try DataTestFiles.temporaryDirectory()
        let dir = root.appendingPathComponent("mnist")
        try Self.writeIDXSet(in: dir, split: .test, n: 3, gzip: false)
        try DataTestFiles.write(DataTestFiles.idx(shape: [2], bytes: [1, 2]), "t10k-labels-idx1-ubyte", in: dir)
        #expect(
            DataTestFiles.descentError { _ = try MNIST(split: .test, directory: root, verify: false, download: false) }?
                .reason == "2 labels for 3 images in t10k-images-idx3-ubyte")
        try DataTestFiles.write(DataTestFiles.idx(shape: [3], bytes: [1, 12, 2]), "t10k-labels-idx1-ubyte", in: dir)
        #expect(
            DataTestFiles.descentError { _ = try MNIST(split: .test, directory: root, verify: false, download: false) }?
                .reason == "label 12 of image 1 is outside 0..<10")
    }

    /// CIFAR-10 batch bytes of `n` records, label = record % 10, all pixels of record i = i.
    static func cifarBatch(_ n: Int) -> Data {
        var bytes = [UInt8]()
        for i in 0..<n { bytes.append(UInt8(i % 10)); bytes += [UInt8](repeating: UInt8(i % 256), count: 3072) }
        return Data(bytes)
    }

    @Test func cifar10ReadsExtractedBatches() throws {
        let root = try DataTestFiles.temporaryDirectory()
        let dir = root.appendingPathComponent("cifar10/cifar-10-batches-bin")
        try DataTestFiles.write(Self.cifarBatch(10_000), "test_batch.bin", in: dir)
        let test = try CIFAR10(split: .test, directory: root)  // sizes check out
        #expect(test.count == 10_000)
        #expect(test.sample(at: 1234).input.shape == [3, 32, 32])
        #expect(test.sample(at: 1234).input[index: 2, 31, 31] == Float(1234 % 256) / 255)
        #expect(test.label(at: 1234) == 4)
        #expect(test.source.lastPathComponent == "cifar-10-batches-bin")
        try DataTestFiles.write(Self.cifarBatch(3), "test_batch.bin", in: dir)
        let e = DataTestFiles.descentError { _ = try CIFAR10(split: .test, directory: root, download: false) }
        #expect(e?.reason.contains("size is 9219 bytes, but the published file has 30730000") == true)
    }

    @Test func cifar10ReadsTheArchive() throws {
        let root = try DataTestFiles.temporaryDirectory()
        let tar = TarArchiveTests.archive([
            ("cifar-10-batches-bin/test_batch.bin", [UInt8](Self.cifarBatch(10_000))),
            ("cifar-10-batches-bin/batches.meta.txt", Array("airplane\n".utf8)),
        ])
        try DataTestFiles.write(Gzip.compress(tar, level: 1), "cifar10/cifar-10-binary.tar.gz", in: root)
        let test = try CIFAR10(split: .test, directory: root, verify: false)
        #expect(test.count == 10_000)
        #expect(test.label(at: 9_999) == 9)
        #expect(test.source.lastPathComponent == "cifar-10-binary.tar.gz")
        // A fake archive does not match the published checksum.
        let e = DataTestFiles.descentError { _ = try CIFAR10(split: .test, directory: root, download: false) }
        #expect(e?.reason.contains("c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd") == true)
        // The archive lacks the training batches.
        let train = DataTestFiles.descentError {
            _ = try CIFAR10(split: .train, directory: root, verify: false, download: false)
        }
        #expect(train?.reason == "the archive has no cifar-10-batches-bin/data_batch_1.bin")
    }

    @Test func sklearnDigitsReadsItsCSV() throws {
        let root = try DataTestFiles.temporaryDirectory()
        var lines = [String]()
        for i in 0..<20 {
            lines.append(((0..<64).map { String(($0 + i) % 17) } + [String(i % 10)]).joined(separator: ","))
        }
        try DataTestFiles.write(
            Gzip.compress(Data(lines.joined(separator: "\n").utf8)), "sklearn-digits/digits.csv.gz", in: root)
        let digits = try SklearnDigits(directory: root, verify: false)
        #expect(digits.count == 20)
        #expect(digits.sample(at: 3).input.shape == [64])
        #expect(digits.sample(at: 3).input.scalars[0] == 3.0 / 16)
        #expect(digits.sample(at: 13).target == .classIndex(3))
        let images = try SklearnDigits(directory: root, layout: .image, divisor: 1, verify: false)
        #expect(images.sample(at: 2).input.shape == [1, 8, 8])
        #expect(images.sample(at: 2).input[index: 0, 7, 7] == Float((63 + 2) % 17))
        let e = DataTestFiles.descentError { _ = try SklearnDigits(directory: root) }
        #expect(e?.reason.contains("09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22") == true)
    }

    @Test func freeSpokenDigitsSplitsByRepetition() throws {
        let root = try DataTestFiles.temporaryDirectory()
        let dir = root.appendingPathComponent("free-spoken-digit/recordings")
        for (d, speaker, k) in [(3, "theo", 0), (3, "theo", 7), (1, "lucas", 4), (1, "lucas", 12), (0, "george", 49)] {
            let n = 10 + d + k
            let audio = WAVAudio(
                samples: Tensor((0..<n).map { Float($0) / 128 - 0.5 }, shape: [1, n]), sampleRate: 8000)
            try DataTestFiles.write(audio.encoded(as: .pcm16), "\(d)_\(speaker)_\(k).wav", in: dir)
        }
        try DataTestFiles.write("not audio", "README.txt", in: dir)
        let train = try FreeSpokenDigits(split: .train, directory: root, verify: false)
        #expect(train.recordings.map(\.fileName) == ["0_george_49.wav", "1_lucas_12.wav", "3_theo_7.wav"])
        #expect(train.sample(at: 2).input.shape == [1, 20])
        #expect(train.sample(at: 2).input.scalars[3] == 3.0 / 128 - 0.5)
        #expect(train.labels().compactMap { $0 } == [0, 1, 3])
        let test = try FreeSpokenDigits(split: .test, directory: root, verify: false)
        #expect(test.recordings.map(\.index) == [4, 0])
        #expect(try FreeSpokenDigits(split: nil, directory: root, verify: false).count == 5)
        // Variable lengths: padded batches.
        let batch = try DataLoader(train, batchSize: 3, collation: .pad).batch(0, epoch: 0)
        #expect(batch.inputs.shape == [3, 1, 59])
        #expect(batch.inputShapes?.map { $0[1] } == [59, 23, 20])
        // With checking on, the set must be the published one.
        let e = DataTestFiles.descentError { _ = try FreeSpokenDigits(directory: root) }
        #expect(e?.reason.contains("holds 5 WAV files; the published dataset has 3,000") == true)
        try DataTestFiles.write(Data(), "x_theo_1.wav", in: dir)
        let bad = DataTestFiles.descentError { _ = try FreeSpokenDigits(directory: root, verify: false) }
        #expect(bad?.reason == "file name does not follow {digit}_{speaker}_{index}.wav")
    }

    @Test func catalogLoadsByName() throws {
        let shapes = try DatasetCatalog.load("generated_shapes", split: .test)
        #expect(shapes.count == 2_000)
        let root = try DataTestFiles.temporaryDirectory()
        let e = DataTestFiles.descentError { _ = try DatasetCatalog.load("imagenet", directory: root, download: false) }
        #expect(e?.reason.contains("unknown dataset \"imagenet\"") == true)
        #expect(
            DataTestFiles.descentError { _ = try DatasetCatalog.load("MNIST", directory: root, download: false) }?
                .location == "MNIST")
    }

    @Test func dataDirectoryComesFromTheArgumentOrTheEnvironment() {
        let explicit = URL(fileURLWithPath: "/somewhere")
        #expect(DataDirectory.root(explicit) == explicit)
        if let env = ProcessInfo.processInfo.environment["DESCENT_DATA"], !env.isEmpty {
            #expect(DataDirectory.root()?.path == URL(fileURLWithPath: env).path)
        } else {
            #expect(DataDirectory.root() == nil)
            let e = DataTestFiles.descentError { _ = try MNIST(download: false) }
            #expect(e?.reason.contains("no data directory: pass one, or set DESCENT_DATA") == true)
        }
    }
}
