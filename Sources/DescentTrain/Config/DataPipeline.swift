import Descent
import DescentData
import Foundation

/// The datasets of a ``DataConfig``, split and with their transforms: what ``TrainingSetup`` turns into
/// loaders.
struct DataPipeline {
    /// The training part (before transforms).
    var train: AnyDataset
    /// The validation part (empty when `validation_fraction` is 0).
    var validation: AnyDataset
    /// The test part.
    var test: AnyDataset
    /// Shape of one (preprocessed) input.
    var sampleShape: [Int]
    /// Number of classes, for classification.
    var classes: Int?
    /// Outputs the model must produce per sample: the classes, or the regression targets.
    var outputs: Int
    /// Class names, when the dataset has them.
    var classNames: [String]?
    /// Normalisation of every split.
    var normalize: Normalize?
    /// Normalisation then augmentation, for training samples.
    var trainTransforms: [any Transform]
    /// One line on the preprocessing.
    var preprocessing: String
    /// The tokenizer and vocabulary of a text dataset (built from its training part).
    var textEncoder: TextEncoder?
    /// Whether the samples are windows of a token stream with next-token targets (`task: language_model`).
    var languageModel = false
    /// Language model: the perplexity of the training part's unigram model on the test part.
    var unigramPerplexity: Double?
    /// Whether batches are padded to their longest sample (and grouped by length): texts to classify.
    var padded: Bool { textEncoder != nil && !languageModel }
}

extension DataConfig {
    /// Loads, splits (seeded by `seed`) and prepares the data; errors name the key at fault via `sources`.
    func makePipeline(seed: UInt64, sources: SourceMap) throws -> DataPipeline {
        let classification = task == .classification
        let fullTrain: AnyDataset, test: AnyDataset
        var presplitValidation: AnyDataset?
        var classNames: [String]?, inputs = ""
        var outputs = 1
        var textEncoder: TextEncoder?
        var unigramPerplexity: Double?

        func load(_ split: OfficialSplit) throws -> any Dataset {
            do {
                return try DatasetCatalog.load(
                    dataset, split: split, directory: directory.map { URL(fileURLWithPath: $0) }, download: download)
            } catch let e as DescentError {
                throw sources.error(directory == nil ? "data.dataset" : "data.directory", "\(e)")
            }
        }
        /// Three parts of `all`: training, validation (a fraction of the training part) and test; with `folds`,
        /// the first two together (the folds are cut from them below; the test part is the same either way).
        func threeWay(_ all: some Dataset) throws -> [AnyDataset] {
            let t = testFraction ?? 0.2, v = validationFraction
            let parts = try all.randomSplit(
                [(1 - t) * (1 - v), (1 - t) * v, t], seed: seed, stratified: classification)
            if folds != nil {
                let train = Subset(all, indices: (parts[0].indices + parts[1].indices).sorted())
                return [AnyDataset(train), AnyDataset(parts[2])]
            }
            return parts.map { AnyDataset($0) }
        }

        switch dataset {
        case .shapes:
            fullTrain = AnyDataset(DatasetCatalog.shapes(.train, seed: seed, count: trainSamples))
            test = AnyDataset(DatasetCatalog.shapes(.test, seed: seed, count: testSamples))
            classNames = dataset.classNames
            inputs = "pixels scaled to [0, 1]"
        case .mnist, .fashionMNIST, .cifar10:
            fullTrain = AnyDataset(try load(.train))
            test = AnyDataset(try load(.test))
            classNames = dataset.classNames
            inputs = "pixels scaled to [0, 1]"
        case .freeSpokenDigits:
            let audio = audio ?? Audio()
            let features = LogMelSpectrogram(
                sampleRate: 8_000, nFFT: 256, hopLength: 128, nMels: audio.mels, frames: audio.frames)
            fullTrain = AnyDataset(try Self.precompute(try load(.train), features, sources))
            test = AnyDataset(try Self.precompute(try load(.test), features, sources))
            classNames = dataset.classNames
            inputs =
                "\(audio.mels)-band log-mel spectrograms in dB (n_fft 256, hop 128, \(audio.frames) frames) of the 8 kHz recordings"
        case .sklearnDigits:
            let parts = try threeWay(try load(.train))
            (fullTrain, test) = (parts[0], parts.last!)
            if folds == nil { presplitValidation = parts[1] }
            classNames = dataset.classNames
            inputs = "cell counts divided by 16 (values in [0, 1])"
        case .text where text?.task == .languageModel:
            let (parts, encoder, unigram) = try readLanguageModel(sources: sources)
            (fullTrain, test) = (parts[0], parts[2])
            presplitValidation = parts[1]
            textEncoder = encoder
            unigramPerplexity = unigram
            outputs = encoder.vocabulary.count
            let text = self.text!
            inputs =
                "\(text.tokenizer == .word ? "word tokens (basic_english)" : "characters"), a vocabulary of "
                + "\(encoder.vocabulary.count) from the training stretch (min frequency \(text.minFrequency)); "
                + "contiguous windows of \(text.sequenceLength) tokens predicting the next token at each step"
        case .text:
            let (parts, classes, encoder) = try readText(seed: seed, sources: sources)
            (fullTrain, test) = (parts[0], parts.last!)
            if folds == nil { presplitValidation = parts[1] }
            classNames = classes
            textEncoder = encoder
            let text = self.text!
            inputs =
                "\(text.tokenizer == .word ? "word tokens (basic_english)" : "characters"), a vocabulary of "
                + "\(encoder.vocabulary.count) from the training texts (min frequency \(text.minFrequency))"
                + (text.maxLength.map { ", texts cut to \($0) tokens" } ?? "") + "; batches padded with <pad>"
        case .folder:
            let f = folder!
            let images = try readFolder(f.path, key: "data.path", sources)
            if let testPath = f.testPath {
                let held = try readFolder(testPath, key: "data.test_path", sources, classes: images.classes)
                guard held.classes == images.classes else {
                    throw sources.error(
                        "data.test_path",
                        "its class folders (\(held.classes.joined(separator: ", "))) differ from data.path's (\(images.classes.joined(separator: ", ")))"
                    )
                }
                (fullTrain, test) = (AnyDataset(images), AnyDataset(held))
            } else {
                let parts = try threeWay(images)
                (fullTrain, test) = (parts[0], parts.last!)
                if folds == nil { presplitValidation = parts[1] }
            }
            classNames = images.classes
            inputs =
                "pixels scaled to [0, 1]: \(images.count) JPEG/PNG/WebP images of \(images.classes.count) class folders "
                + "in \(f.path), \(f.channels == 1 ? "grey" : "RGB")"
                + (f.imageSize.map { ", resized to \($0[0])×\($0[1]) (antialiased bilinear)" } ?? "")
                + (images.skipped.isEmpty ? "" : ", \(images.skipped.count) unreadable files skipped")
        case .shards:
            let f = folder!
            func read(_ path: String, _ key: String) throws -> ImageShards {
                do {
                    return try ImageShards(
                        folder: URL(fileURLWithPath: path), channels: f.channels,
                        size: f.imageSize.map { ($0[0], $0[1]) }, shuffleBuffer: f.shuffleBuffer)
                } catch let e as DescentError {
                    throw sources.error(key, "\(e)")
                }
            }
            let shards = try read(f.path, "data.path")
            if let testPath = f.testPath {
                let held = try read(testPath, "data.test_path")
                guard held.classes.count <= shards.classes.count,
                    held.classes == Array(shards.classes.prefix(held.classes.count))
                else {
                    throw sources.error(
                        "data.test_path",
                        "its classes (\(held.classes.joined(separator: ", "))) differ from data.path's (\(shards.classes.joined(separator: ", ")))"
                    )
                }
                (fullTrain, test) = (AnyDataset(shards), AnyDataset(held))
            } else {
                let parts = try threeWay(shards)
                (fullTrain, test) = (parts[0], parts.last!)
                if folds == nil { presplitValidation = parts[1] }
            }
            classNames = shards.classes
            inputs =
                "pixels scaled to [0, 1]: \(shards.count) images in \(shards.shards.count) tar shards in \(f.path), "
                + "\(f.channels == 1 ? "grey" : "RGB")"
                + (f.imageSize.map { ", resized to \($0[0])×\($0[1]) (antialiased bilinear)" } ?? "")
                + "; read shard by shard (shards shuffled, then a shuffle buffer of \(f.shuffleBuffer))"
        case .spellNumbers:
            let parts = SpellNumbers.parts(
                train: trainSamples ?? SpellNumbers.defaultTrainCount,
                test: testSamples ?? SpellNumbers.defaultTestCount,
                seed: seed)
            (fullTrain, test) = (AnyDataset(parts.train), AnyDataset(parts.test))
            textEncoder = SpellNumbers.sourceEncoder
            outputs = SpellNumbers.vocabulary.count
            inputs =
                "numbers drawn without replacement from 0-999,999 (seeded), digits to English words: [2, \(SpellNumbers.length)] "
                + "rows of source characters and target words + <eos>, one vocabulary of \(SpellNumbers.vocabulary.count) tokens, "
                + "padded with <pad>"
        case .csv:
            let (table, names, targets) = try readCSV(sources)
            let parts = try threeWay(table)
            (fullTrain, test) = (parts[0], parts.last!)
            if folds == nil { presplitValidation = parts[1] }
            classNames = names
            outputs = targets
        }
        var train: AnyDataset, validation: AnyDataset
        if let presplitValidation {
            (train, validation) = (fullTrain, presplitValidation)
        } else if let folds, let fold {
            let parts: [DatasetFold<AnyDataset>]
            do {
                parts = try fullTrain.kFold(folds, seed: seed, stratified: classification)
            } catch let e as DescentError {
                throw sources.error("data.folds", e.reason)
            }
            (train, validation) = (AnyDataset(parts[fold - 1].train), AnyDataset(parts[fold - 1].validation))
        } else {
            let v = validationFraction
            let parts = try fullTrain.randomSplit([1 - v, v], seed: seed, stratified: classification)
            (train, validation) = (AnyDataset(parts[0]), AnyDataset(parts[1]))
        }
        try checkSplits(train: train.count, validation: validation.count, test: test.count, sources: sources)
        var mixed = ""
        if let trainSubset, trainSubset < train.count {
            let parts = try train.randomSplit(
                [Double(trainSubset) / Double(train.count), 1 - Double(trainSubset) / Double(train.count)],
                seed: seed &+ 17, stratified: classification)
            train = AnyDataset(parts[0])
            mixed += "; a subset of \(train.count) training samples"
        }
        if let generated {
            let extra = try Self.generatedSamples(
                generated, count: Int((generated.ratio * Double(train.count)).rounded()),
                sampleShape: train.sample(at: 0).input.shape, classes: classNames?.count, seed: seed, sources: sources)
            mixed +=
                "; \(extra.count) samples of the generator in \(generated.run) added to the \(train.count) training samples"
            train = AnyDataset(ConcatDataset([train, extra]))
        }
        let sampleShape = train.sample(at: 0).input.shape
        if dataset == .csv {
            inputs = "\(sampleShape[0]) CSV feature columns" + (csv?.features.map { " (\(Self.list($0)))" } ?? "")
        }

        var classes: Int?
        if classification {
            var top = -1
            for part in [train, validation, test] {
                for i in 0..<part.count {
                    guard let c = part.label(at: i) else {
                        throw sources.error("data.dataset", "sample \(i) has no class label")
                    }
                    top = max(top, c)
                }
            }
            classes = max(top + 1, classNames?.count ?? 0)
            outputs = classes!
        }

        var normalize: Normalize?, normText = ""
        switch self.normalize {
        case .none: break
        case .dataset:
            let stats: ChannelStatistics
            do { stats = try ChannelStatistics(of: train) } catch let e as DescentError {
                throw sources.error("data.normalize", "\(e)")
            }
            normalize = Normalize(stats)
            normText =
                ", then (x − mean) / std per channel with the training split's mean \(Self.numbers(stats.mean)) and std \(Self.numbers(stats.std))"
        case .fixed(let mean, let std):
            let channels = sampleShape.first ?? 1
            guard mean.count == 1 || mean.count == channels else {
                throw sources.error(
                    "data.normalize",
                    "\(mean.count) means and deviations for inputs with \(channels) channels (give 1 or \(channels))")
            }
            normalize = Normalize(mean: mean.map(Float.init), std: std.map(Float.init))
            normText =
                ", then (x − \(Self.numbers(mean.map(Float.init)))) / \(Self.numbers(std.map(Float.init))) per channel"
        }
        var transforms: [any Transform] = normalize.map { [$0] } ?? []
        for (i, a) in augment.enumerated() {
            transforms.append(
                try a.makeTransform(sampleShape: sampleShape, location: sources.location("data.augment[\(i)]")))
        }
        let augmentText =
            augment.isEmpty
            ? "" : "; training samples augmented with " + augment.map(\.kind.rawValue).joined(separator: ", ")
        return DataPipeline(
            train: train, validation: validation, test: test, sampleShape: sampleShape, classes: classes,
            outputs: outputs,
            classNames: classNames, normalize: normalize, trainTransforms: transforms,
            preprocessing: inputs + normText + augmentText + mixed, textEncoder: textEncoder,
            languageModel: task == .languageModel, unigramPerplexity: unigramPerplexity)
    }

    /// `count` labelled samples of the conditional generator of `generated.run`, balanced classes, noise seeded
    /// by `seed`; errors name `data.generated.run`.
    static func generatedSamples(
        _ generated: Generated, count: Int, sampleShape: [Int], classes: Int?, seed: UInt64, sources: SourceMap
    ) throws -> TensorDataset {
        let manifest: GANManifest, generator: DCGANGenerator
        do {
            (manifest, generator) = try GANManifest.loadGenerator(from: URL(fileURLWithPath: generated.run))
        } catch let e as DescentError {
            throw sources.error("data.generated.run", "\(e)")
        }
        guard manifest.classes > 0 else {
            throw sources.error("data.generated.run", "holds an unconditional generator: its samples carry no labels")
        }
        let shape = [manifest.channels, manifest.side, manifest.side]
        guard shape == sampleShape, manifest.classes == classes else {
            throw sources.error(
                "data.generated.run",
                "generates \(shape) images of \(manifest.classes) classes; the data has \(sampleShape) samples of \(classes.map(String.init) ?? "no") classes"
            )
        }
        let sampler = GANSampler(generator: generator)
        let (images, labels) = sampler.sample(count, random: RandomGenerator(seed: seed &+ 4_242))
        return TensorDataset(inputs: images, labels: labels)
    }

    /// Refuses, before training, a split left empty by too few samples for the fractions asked: the error names
    /// the key and every part's count.
    func checkSplits(train: Int, validation: Int, test: Int, sources: SourceMap) throws {
        let counts = "train \(train), validation \(validation), test \(test) of \(train + validation + test) samples"
        let hint = "use more data or change the fractions"
        guard train > 0 else {
            throw sources.error("data.validation_fraction", "leaves no training samples (\(counts)); \(hint)")
        }
        if folds == nil && validationFraction > 0 && validation == 0 {
            throw sources.error(
                "data.validation_fraction",
                "\(validationFraction) leaves an empty validation split (\(counts)); \(hint), or set it to 0 for no validation"
            )
        }
        if !dataset.hasTestSplit && (testFraction ?? 0.2) > 0 && test == 0 {
            throw sources.error(
                "data.test_fraction",
                "\(testFraction ?? 0.2) leaves an empty test split (\(counts)); \(hint)")
        }
    }

    /// The text dataset's parts (training, validation unless k-fold, test; cut as ``makePipeline(seed:sources:)``
    /// cuts the CSV and digits datasets, on the labels alone), its class names, and the encoder whose vocabulary
    /// comes from the training part only (with k-fold, from all the folds).
    private func readText(seed: UInt64, sources: SourceMap) throws -> ([AnyDataset], [String], TextEncoder) {
        guard let text else { throw sources.error("data.path", "missing (required by dataset text)") }
        let url = URL(fileURLWithPath: text.path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw sources.error("data.path", "no such file or folder: \(text.path)")
        }
        let corpus: TextCorpus
        do {
            corpus =
                isFolder.boolValue
                ? try TextCorpus.folders(at: url)
                : try TextCorpus.table(
                    contentsOf: url, text: .name(text.textColumn), label: .name(text.labelColumn), header: .present)
        } catch let e as DescentError {
            throw sources.error("data.path", "\(e)")
        }
        let labelsOnly = TextClassificationDataset(
            sequences: Array(repeating: [Vocabulary.unknownIndex], count: corpus.texts.count), labels: corpus.labels,
            classes: corpus.classes)
        let t = testFraction ?? 0.2, v = validationFraction
        let split = try labelsOnly.randomSplit([(1 - t) * (1 - v), (1 - t) * v, t], seed: seed, stratified: true)
        let trainIndices = folds != nil ? (split[0].indices + split[1].indices).sorted() : split[0].indices
        let encoder = TextEncoder(
            fitting: trainIndices.map { corpus.texts[$0] }, tokenizer: Tokenizer(level: text.tokenizer),
            minFrequency: text.minFrequency, maxSize: text.maxVocabulary)
        let all = TextClassificationDataset(corpus: corpus, encoder: encoder, maxLength: text.maxLength)
        let parts =
            folds != nil
            ? [AnyDataset(Subset(all, indices: trainIndices)), AnyDataset(Subset(all, indices: split[2].indices))]
            : split.map { AnyDataset(Subset(all, indices: $0.indices)) }
        return (parts, corpus.classes, encoder)
    }

    /// The language model's parts — training, validation and test windows of contiguous stretches of the token
    /// stream (``LanguageModelCorpus``) — its encoder (the training stretch's vocabulary) and the unigram
    /// baseline's perplexity on the test windows' targets (`nil` without a test window).
    private func readLanguageModel(sources: SourceMap) throws -> ([AnyDataset], TextEncoder, Double?) {
        guard let text else { throw sources.error("data.path", "missing (required by dataset text)") }
        let read: String
        do {
            read = try PlainText.read(
                at: URL(fileURLWithPath: text.path), files: text.files, separator: text.separator
            ).text
        } catch let e as DescentError {
            throw sources.error(e.reason.hasPrefix("no file matches") ? "data.files" : "data.path", "\(e)")
        }
        let corpus = LanguageModelCorpus(
            text: read, tokenizer: Tokenizer(level: text.tokenizer), validationFraction: validationFraction,
            testFraction: testFraction ?? 0.2, minFrequency: text.minFrequency, maxVocabulary: text.maxVocabulary)
        let parts = [corpus.train, corpus.validation, corpus.test].map {
            AnyDataset(LanguageModelDataset(ids: $0, sequenceLength: text.sequenceLength))
        }
        // The baseline scores the very tokens the model is tested on: the targets of the whole test windows.
        let covered = parts[2].count * text.sequenceLength
        let unigram =
            covered == 0
            ? nil
            : LanguageModelCorpus.unigramPerplexity(
                train: corpus.train, test: Array(corpus.test[1...covered]),
                vocabularySize: corpus.encoder.vocabulary.count)
        return (parts, corpus.encoder, unigram)
    }

    /// The CSV file as a dataset, its class names (classification) and the number of targets.
    /// The image folder or list file at `path` (the config's `key`), every file checked once (see
    /// ``DescentData/ImageFolder``); a test list's labels are looked up in the training `classes`.
    private func readFolder(_ path: String, key: String, _ sources: SourceMap, classes: [String]? = nil) throws
        -> ImageFolder
    {
        guard let folder else { throw sources.error("data.path", "missing (required by dataset folder)") }
        let url = URL(fileURLWithPath: path)
        do {
            if Self.isImageList(url) {
                return try ImageFolder(
                    list: url, classes: classes, channels: folder.channels,
                    size: folder.imageSize.map { ($0[0], $0[1]) }, onBadFile: folder.onBadFile,
                    threads: max(2, Backend.threads))
            }
            return try ImageFolder(
                root: url, channels: folder.channels,
                size: folder.imageSize.map { ($0[0], $0[1]) }, onBadFile: folder.onBadFile,
                threads: max(2, Backend.threads))
        } catch let e as DescentError {
            throw sources.error(key, "\(e)")
        }
    }

    /// Whether `url` is an image list (``DescentData/ImageList``): a file, not a folder, with a list's extension.
    static func isImageList(_ url: URL) -> Bool {
        var isFolder: ObjCBool = false
        return ImageList.extensions.contains(url.pathExtension.lowercased())
            && !(FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue)
    }

    private func readCSV(_ sources: SourceMap) throws -> (TensorDataset, [String]?, Int) {
        guard let csv else { throw sources.error("data.path", "missing (required by dataset csv)") }
        let url = URL(fileURLWithPath: csv.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw sources.error("data.path", "no such file: \(csv.path)")
        }
        do {
            if csv.task == .classification {
                let features = csv.features?.map { CSVColumn.name($0) }
                let table: CSVTable
                do {
                    table = try CSVTable(
                        contentsOf: url, features: features, label: .classIndex(.name(csv.target[0])), header: .present)
                } catch {
                    // Class names instead of indices, but only for a column of names: a column holding numbers
                    // (NaN, negative, fractional or huge ones among integers) keeps the index error, naming the row.
                    guard
                        let named = try? CSVTable(
                            contentsOf: url, features: features, label: .className(.name(csv.target[0])),
                            header: .present),
                        !(named.classNames ?? []).contains(where: { Double($0) != nil })
                    else { throw error }
                    table = named
                }
                return (TensorDataset(table), table.classNames, 1)
            }
            let table = try CSVTable(contentsOf: url, label: .none, header: .present)
            let names = table.columnNames ?? []
            func index(_ name: String, _ key: String) throws -> Int {
                guard let i = names.firstIndex(of: name) else {
                    let hint = SectionReader.suggestion(for: name, among: names).map { "did you mean '\($0)'? " } ?? ""
                    throw sources.error(
                        key, "no column '\(name)' in \(csv.path) (\(hint)columns: \(names.joined(separator: ", ")))")
                }
                return i
            }
            let targets = try csv.target.map { try index($0, "data.target") }
            let features =
                try csv.features.map { try $0.map { try index($0, "data.features") } }
                ?? names.indices.filter { !targets.contains($0) }
            guard !features.isEmpty else {
                throw sources.error("data.features", "no feature columns are left besides the targets")
            }
            return (
                TensorDataset(
                    inputs: table.features.indexSelect(axis: 1, features),
                    targets: table.features.indexSelect(axis: 1, targets)),
                nil, targets.count
            )
        } catch let e as DescentError where e.kind != .config {
            throw sources.error("data.path", "\(e)")
        }
    }

    /// The dataset with `transform` applied once to every sample (deterministic feature extraction).
    static func precompute(_ data: any Dataset, _ transform: some Transform, _ sources: SourceMap) throws
        -> TensorDataset
    {
        let generator = RandomGenerator(seed: 0)
        var inputs: [Tensor] = [], labels: [Int] = []
        for i in 0..<data.count {
            let s: Sample
            do { s = try transform(data.sample(at: i), generator: generator) } catch let e as DescentError {
                throw sources.error("data.audio", "sample \(i): \(e)")
            }
            guard let label = s.target.classIndex else {
                throw sources.error("data.dataset", "sample \(i) has no class label")
            }
            inputs.append(s.input)
            labels.append(label)
        }
        return TensorDataset(inputs: Tensor.stack(inputs), labels: labels)
    }

    /// `0.1307` or `[0.4914, 0.4822, 0.4465]` (four significant digits; long lists shortened).
    static func numbers(_ values: [Float]) -> String {
        let shown = values.prefix(4).map { String(format: "%.4g", Double($0)) }
        if values.count == 1 { return shown[0] }
        return "[" + shown.joined(separator: ", ") + (values.count > 4 ? ", …" : "") + "]"
    }

    /// `a, b, c` (long lists shortened).
    static func list(_ names: [String]) -> String {
        names.prefix(6).joined(separator: ", ") + (names.count > 6 ? ", …" : "")
    }
}
