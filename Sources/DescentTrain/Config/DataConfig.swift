import Descent
import DescentData

/// The `data` section: which dataset, how it is split, preprocessed, augmented and batched.
public struct DataConfig: Sendable, Equatable {
    /// The datasets a configuration can name: the catalogue's (``DescentData/DatasetName``).
    public typealias DatasetName = DescentData.DatasetName

    /// What the model predicts.
    public enum Task: String, Sendable, CaseIterable {
        /// Real-valued targets (MSE-like losses; MAE, RMSE and R² reported).
        case regression
        /// Class labels (cross-entropy; accuracy reported).
        case classification
        /// A target token sequence for each source sequence (token cross-entropy; exact match, token accuracy and
        /// perplexity reported): spell-numbers.
        case sequenceToSequence = "sequence_to_sequence"
        /// The next token at every step of a text (token cross-entropy; perplexity and token accuracy reported).
        case languageModel = "language_model"
    }

    /// How inputs are normalised before the model (and before augmentation).
    public enum Normalization: Sendable, Equatable {
        /// Inputs as the dataset gives them (pixels in [0, 1]).
        case none
        /// `(x − mean) / std` per channel with the training split's statistics.
        case dataset
        /// `(x − mean) / std` per channel with given values (one pair for all channels, or one per channel).
        case fixed(mean: [Double], std: [Double])
    }

    /// Log-mel features of audio datasets.
    public struct Audio: Sendable, Equatable {
        /// Mel bands (a multiple of 4).
        public var mels: Int
        /// Frames per clip, hop 128 samples (a multiple of 4; shorter clips are padded, longer cropped).
        public var frames: Int
        /// 40 bands × 48 frames by default.
        public init(mels: Int = 40, frames: Int = 48) {
            self.mels = mels
            self.frames = frames
        }
    }

    /// Where a CSV dataset's columns are.
    public struct CSV: Sendable, Equatable {
        /// The file (relative paths in a configuration file are relative to the file's folder).
        public var path: String
        /// The target column(s) by header name (one for classification).
        public var target: [String]
        /// The feature columns, or `nil` for every column but the targets.
        public var features: [String]?
        /// Regression (real targets) or classification (a column of class indices or names).
        public var task: Task
        /// A CSV dataset.
        public init(path: String, target: [String], features: [String]? = nil, task: Task = .regression) {
            self.path = path
            self.target = target
            self.features = features
            self.task = task
        }
    }

    /// Where a text dataset is and how its texts become token indices.
    public struct Text: Sendable, Equatable {
        /// A CSV/TSV table, or a folder with one sub-folder of `.txt` files per class (relative paths in a
        /// configuration file are relative to the file's folder).
        public var path: String
        /// The column of the texts, by header name (tables only).
        public var textColumn = "text"
        /// The column of the labels (class names, or class indices), by header name (tables only).
        public var labelColumn = "label"
        /// Characters or words (torchtext's `basic_english`).
        public var tokenizer = Tokenizer.Level.word
        /// The fewest occurrences in the training texts for a token to enter the vocabulary.
        public var minFrequency = 1
        /// The largest vocabulary, the four special tokens included; `nil`: no limit.
        public var maxVocabulary: Int?
        /// Texts are cut to their first `maxLength` tokens; `nil`: no limit.
        public var maxLength: Int?
        /// Classification of labelled texts, or a language model of one running text.
        public var task = Task.classification
        /// Language model: tokens per training window (the steps backpropagation runs through).
        public var sequenceLength = 64
        /// Language model over a folder: the files to read (names or `*`/`?` patterns); `nil`: all of them.
        public var files: [String]?
        /// Language model: a line that separates documents (`%` in `fortune` files), read as an empty line.
        public var separator: String?

        /// A text dataset at `path` with the defaults.
        public init(path: String) { self.path = path }
    }

    /// Where an image folder is and how its images become samples (``DescentData/ImageFolder``).
    public struct Folder: Sendable, Equatable {
        /// The folder of class folders, or a list file of `path,label` entries (`.csv`, `.tsv`, `.json`, `.jsonl`;
        /// ``DescentData/ImageList``); relative paths in a configuration file are relative to the file's folder.
        public var path: String
        /// `[height, width]` every image is resized to (antialiased bilinear); `nil`: all must have one size.
        public var imageSize: [Int]?
        /// 1 (grey) or 3 (RGB).
        public var channels = 3
        /// A file that cannot be decoded: an error naming it, or skipped and counted (`folder` only).
        public var onBadFile = ImageFolder.BadFilePolicy.error
        /// `shards` only: samples in the shuffle buffer a shuffled epoch streams the shards through
        /// (``DescentData/ImageShards/shuffleBuffer``).
        public var shuffleBuffer = 1_000
        /// A second image folder with the same classes, or a list whose labels are among the training classes, for
        /// the test split (then `test_fraction` is unused); `nil`: the test part is held out of `path`.
        public var testPath: String?

        /// An image folder at `path` with the defaults.
        public init(path: String) { self.path = path }
    }

    /// Samples from a conditional GAN's generator added to the training part (`data.generated`).
    public struct Generated: Sendable, Equatable {
        /// A finished `descent gan train` run folder with a conditional generator (relative to the working
        /// directory).
        public var run: String
        /// Generated samples per real training sample: `round(ratio · n_train)` samples are added, with balanced
        /// classes (`i mod classes`) and noise seeded by the config's `seed`.
        public var ratio: Double
        /// Samples of `run` at `ratio`.
        public init(run: String, ratio: Double) {
            self.run = run
            self.ratio = ratio
        }
    }

    /// The dataset.
    public var dataset: DatasetName
    /// Folder holding the datasets (default: `$DESCENT_DATA`, then the cache).
    public var directory: String?
    /// Download MNIST, Fashion-MNIST or CIFAR-10 into the cache when missing.
    public var download = true
    /// Training images or numbers generated (shapes, spell-numbers).
    public var trainSamples: Int?
    /// Test images or numbers generated (shapes, spell-numbers).
    public var testSamples: Int?
    /// Keep a seeded, stratified subset of this many samples of the training part (after the validation split);
    /// `nil`: all of it.
    public var trainSubset: Int?
    /// Generated samples mixed into the training part (after ``trainSubset``), or `nil`.
    public var generated: Generated?
    /// Fraction of the training split held out for validation (stratified for classes, seeded by `seed`).
    public var validationFraction = 0.1
    /// Fraction held out for testing, for datasets without a test split (csv, sklearn-digits).
    public var testFraction: Double?
    /// K-fold cross-validation: the training data is cut into `folds` folds (seeded by `seed`, stratified for
    /// classes) and fold ``fold`` is the validation part, the others the training part; `validationFraction` is
    /// then unused and the test split untouched. `nil`: a single `validationFraction` split.
    public var folds: Int?
    /// The validation fold, from 1 to ``folds`` (set with it).
    public var fold: Int?
    /// Training batch size.
    public var batchSize: BatchSize = .size(64)
    /// Batch size for validation and test.
    public var evalBatchSize: BatchSize = .size(256)
    /// Visit training samples in a new order each epoch.
    public var shuffle = true
    /// Background threads preparing training batches.
    public var workers = 1
    /// Input normalisation.
    public var normalize: Normalization
    /// Augmentations of training samples, in order, after normalisation.
    public var augment: [AugmentConfig] = []
    /// Log-mel settings (audio datasets only).
    public var audio: Audio?
    /// Columns and task (csv only).
    public var csv: CSV?
    /// Source and tokenization (text only).
    public var text: Text?
    /// Path, size, channels and bad-file policy (folder only).
    public var folder: Folder?

    /// The default settings for `dataset`: 12,000 + 2,000 generated shapes, 40×48 log-mel features for audio,
    /// a 0.2 test fraction for csv and sklearn-digits, normalisation with the training statistics for audio
    /// and csv (none for images).
    public init(dataset: DatasetName = .shapes, csv: CSV? = nil) {
        self.dataset = dataset
        self.csv = dataset == .csv ? csv : nil
        if dataset == .shapes {
            (trainSamples, testSamples) = (DatasetCatalog.shapesTrainCount, DatasetCatalog.shapesTestCount)
        }
        if dataset == .spellNumbers {
            (trainSamples, testSamples) = (SpellNumbers.defaultTrainCount, SpellNumbers.defaultTestCount)
        }
        if !dataset.hasTestSplit { testFraction = 0.2 }
        if dataset == .freeSpokenDigits { audio = Audio() }
        normalize = dataset == .freeSpokenDigits || dataset == .csv ? .dataset : .none
    }

    /// The CSV's or the text's task, sequence to sequence for spell-numbers; classification otherwise.
    public var task: Task {
        dataset == .spellNumbers ? .sequenceToSequence : csv?.task ?? text?.task ?? .classification
    }

    static let keys = [
        "dataset", "directory", "download", "train_samples", "test_samples", "validation_fraction",
        "folds", "fold", "test_fraction", "train_subset", "generated", "batch_size", "eval_batch_size", "shuffle",
        "workers", "normalize", "augment", "audio", "path", "target", "features", "task", "text_column", "label_column",
        "tokenizer", "min_frequency", "max_vocabulary", "max_length", "image_size", "channels", "on_bad_file",
        "test_path", "shuffle_buffer",
        "sequence_length", "files", "separator",
    ]

    /// Reads the `data` section.
    init(_ r: SectionReader) throws {
        let name = try r.choice("dataset", DatasetName.allCases.map(\.rawValue), what: "dataset") ?? "shapes"
        self.init(dataset: DatasetName(rawValue: name)!)
        var elsewhere: [String: String] = [:]
        directory = try r.string("directory")
        download = try r.bool("download") ?? true
        if dataset == .shapes {
            trainSamples = try r.int("train_samples", .atLeast(10)) ?? DatasetCatalog.shapesTrainCount
            testSamples = try r.int("test_samples", .atLeast(1)) ?? DatasetCatalog.shapesTestCount
        } else if dataset == .spellNumbers {
            let largest = NumberWords.largest + 1
            let test = try r.int("test_samples", .atLeast(1)) ?? SpellNumbers.defaultTestCount
            let train = try r.int("train_samples", .atLeast(10)) ?? SpellNumbers.defaultTrainCount
            guard train + test <= largest else {
                throw r.error(
                    "train_samples",
                    "\(train) training and \(test) test numbers: there are only \(largest) numbers (0 to \(largest - 1))"
                )
            }
            (trainSamples, testSamples) = (train, test)
        } else {
            for k in ["train_samples", "test_samples"] {
                elsewhere[k] = "only used with datasets shapes and spell-numbers (this one is \(name))"
            }
        }
        validationFraction = try r.double("validation_fraction", .fraction) ?? 0.1
        folds = try r.int("folds", .atLeast(2))
        trainSubset = try r.int("train_subset", .atLeast(1))
        if r.has("generated") {
            let g = try r.section("generated")
            guard let run = try g.string("run") else {
                throw g.error("run", "missing (required by data.generated: a descent gan train run folder)")
            }
            guard let ratio = try g.double("ratio", .positive) else {
                throw g.error("ratio", "missing (required by data.generated: generated samples per real one)")
            }
            try g.finish(known: ["run", "ratio"])
            generated = Generated(run: run, ratio: ratio)
        }
        fold = try r.int("fold", .atLeast(1))
        if let folds {
            guard let fold else { throw r.error("folds", "needs data.fold, the validation fold (1 to \(folds))") }
            guard fold <= folds else { throw r.error("fold", "must be at most data.folds (\(folds)), got \(fold)") }
        } else if fold != nil {
            throw r.error("fold", "needs data.folds, the number of folds")
        }
        if dataset.hasTestSplit {
            elsewhere["test_fraction"] =
                "only used with datasets without a test split (csv, sklearn-digits); \(name) has one"
        } else {
            let test = try r.double("test_fraction", .fraction) ?? 0.2
            guard test + validationFraction < 1 else {
                throw r.error(
                    "test_fraction",
                    "test_fraction \(YAMLWriter.number(test)) and validation_fraction \(YAMLWriter.number(validationFraction)) leave nothing to train on"
                )
            }
            testFraction = test
        }
        batchSize = try Self.batchSize(r, "batch_size") ?? .size(64)
        evalBatchSize = try Self.batchSize(r, "eval_batch_size") ?? .size(256)
        shuffle = try r.bool("shuffle") ?? true
        workers = try r.int("workers", .nonNegative) ?? 1
        if let n = r.value("normalize") { normalize = try Self.normalization(n, r) }
        augment = try r.list("augment")?.map { try AugmentConfig($0.node, path: $0.path, in: r) } ?? []
        if dataset == .freeSpokenDigits {
            let a = try r.section("audio")
            audio = Audio(
                mels: try Self.multipleOfFour(a, "mels") ?? 40, frames: try Self.multipleOfFour(a, "frames") ?? 48)
            try a.finish(known: ["mels", "frames"])
        } else {
            elsewhere["audio"] = "only used with audio datasets (free-spoken-digits)"
        }
        if dataset == .csv {
            guard let path = try r.string("path") else {
                throw r.error("path", "missing (required by dataset csv: the CSV file)")
            }
            guard let target = try r.strings("target", single: true), !target.isEmpty else {
                throw r.error("target", "missing (required by dataset csv: the target column name, or a list of names)")
            }
            let task = Task(
                rawValue: try r.choice("task", [Task.regression, .classification].map(\.rawValue)) ?? "regression")!
            if task == .classification && target.count != 1 {
                throw r.error("target", "classification needs one target column, got \(target.count)")
            }
            csv = CSV(path: path, target: target, features: try r.strings("features"), task: task)
        } else if dataset == .text {
            guard let path = try r.string("path") else {
                throw r.error(
                    "path", "missing (required by dataset text: a CSV/TSV table or a folder of class folders)")
            }
            var text = Text(path: path)
            let task = try r.choice("task", [Task.classification, .languageModel].map(\.rawValue))
            text.task = task.flatMap(Task.init(rawValue:)) ?? .classification
            if text.task == .languageModel {
                text.sequenceLength = try r.int("sequence_length", .atLeast(1)) ?? text.sequenceLength
                text.files = try r.strings("files", single: true)
                text.separator = try r.string("separator")
                for k in ["text_column", "label_column", "max_length"] {
                    elsewhere[k] = "only used with task classification (this text's task is language_model)"
                }
                if folds != nil {
                    throw r.error("folds", "not used with task language_model (the parts are contiguous)")
                }
            } else {
                for k in ["sequence_length", "files", "separator"] {
                    elsewhere[k] = "only used with task language_model"
                }
                text.textColumn = try r.string("text_column") ?? text.textColumn
                text.labelColumn = try r.string("label_column") ?? text.labelColumn
                text.maxLength = try r.int("max_length", .atLeast(1))
            }
            if let level = try r.choice("tokenizer", Tokenizer.Level.allCases.map(\.rawValue), what: "tokenizer") {
                text.tokenizer = Tokenizer.Level(rawValue: level)!
            }
            text.minFrequency = try r.int("min_frequency", .atLeast(1)) ?? text.minFrequency
            text.maxVocabulary = try r.int("max_vocabulary", .atLeast(5))
            self.text = text
            for k in ["target", "features"] { elsewhere[k] = "only used with dataset csv" }
            if case .none = normalize {
            } else {
                throw r.error("normalize", "not used with dataset text (the inputs are token indices)")
            }
            if !augment.isEmpty { throw r.error("augment", "not used with dataset text") }
        } else if dataset == .folder || dataset == .shards {
            guard let path = try r.string("path") else {
                if dataset == .shards {
                    throw r.error("path", "missing (required by dataset shards: a folder of tar shards)")
                }
                throw r.error(
                    "path",
                    "missing (required by dataset folder: a folder with one sub-folder per class, or a list file .csv/.json)"
                )
            }
            var folder = Folder(path: path)
            if let n = r.value("image_size") {
                if case .scalar = n.content, let side = try r.int("image_size", .atLeast(1)) {
                    folder.imageSize = [side, side]
                } else {
                    let sides = try r.list("image_size")!.map {
                        try SectionReader.integer($0.node, $0.path, .atLeast(1))
                    }
                    guard sides.count == 2 else {
                        throw r.error("image_size", "expected a side or [height, width], got \(sides.count) numbers")
                    }
                    folder.imageSize = sides
                }
            }
            if let c = try r.int("channels", .atLeast(1)) {
                guard c == 1 || c == 3 else { throw r.error("channels", "expected 1 (grey) or 3 (RGB), got \(c)") }
                folder.channels = c
            }
            if dataset == .shards {
                folder.shuffleBuffer = try r.int("shuffle_buffer", .nonNegative) ?? folder.shuffleBuffer
                elsewhere["on_bad_file"] = "only used with dataset folder (a bad image in a shard stops the run, named)"
            } else {
                elsewhere["shuffle_buffer"] = "only used with dataset shards"
                if let policy = try r.choice("on_bad_file", ImageFolder.BadFilePolicy.allCases.map(\.rawValue)) {
                    folder.onBadFile = ImageFolder.BadFilePolicy(rawValue: policy)!
                }
            }
            folder.testPath = try r.string("test_path")
            if folder.testPath != nil, r.has("test_fraction") {
                throw r.error("test_fraction", "not used with data.test_path (the test split is that folder)")
            }
            if folder.testPath != nil { testFraction = nil }
            self.folder = folder
            for k in ["target", "features", "task"] { elsewhere[k] = "only used with dataset csv" }
        } else if dataset == .spellNumbers {
            for k in ["path", "target", "features", "task"] { elsewhere[k] = "only used with dataset csv" }
            if case .none = normalize {
            } else {
                throw r.error("normalize", "not used with dataset spell-numbers (the inputs are token indices)")
            }
            if !augment.isEmpty { throw r.error("augment", "not used with dataset spell-numbers") }
        } else {
            for k in ["path", "target", "features", "task"] { elsewhere[k] = "only used with dataset csv" }
        }
        if dataset != .folder && dataset != .shards {
            for k in ["image_size", "channels", "on_bad_file", "test_path"] {
                elsewhere[k] = "only used with dataset folder"
            }
            elsewhere["shuffle_buffer"] = "only used with dataset shards"
        }
        if dataset != .text {
            for k in [
                "text_column", "label_column", "tokenizer", "min_frequency", "max_vocabulary", "max_length",
                "sequence_length", "files", "separator",
            ] {
                elsewhere[k] = "only used with dataset text"
            }
        }
        try r.finish(known: Self.keys, elsewhere: elsewhere)
    }

    /// A batch size: a positive integer or `full`.
    static func batchSize(_ r: SectionReader, _ key: String) throws -> BatchSize? {
        guard let n = r.value(key) else { return nil }
        if n.scalar == "full" { return .full }
        guard case .scalar(let s, true) = n.content, let b = Int(s), b >= 1 else {
            throw r.error(key, "expected a positive integer or 'full', got \(n.described)")
        }
        return .size(b)
    }

    private static func multipleOfFour(_ r: SectionReader, _ key: String) throws -> Int? {
        guard let v = try r.int(key, .atLeast(4)) else { return nil }
        guard v % 4 == 0 else { throw r.error(key, "must be a multiple of 4 (the CNN pools twice), got \(v)") }
        return v
    }

    /// `none`, `dataset` or `{mean: [...], std: [...]}`.
    private static func normalization(_ n: ConfigNode, _ r: SectionReader) throws -> Normalization {
        if case .scalar = n.content {
            switch try r.choice("normalize", ["none", "dataset"], what: "normalization") {
            case "dataset": return .dataset
            default: return .none
            }
        }
        let s = try r.section("normalize")
        let values = try s.options(
            [OptionSpec.numbers("mean", nil).required(), OptionSpec.numbers("std", nil, .positive).required()],
            for: "normalize")
        try s.finish(known: ["mean", "std"])
        let mean = values.doubles("mean")!, std = values.doubles("std")!
        guard !mean.isEmpty, mean.count == std.count else {
            throw s.error("std", "needs as many values as mean (\(mean.count)), got \(std.count)")
        }
        return .fixed(mean: mean, std: std)
    }

    /// Writes the section.
    func write(_ w: inout YAMLWriter) {
        w.section("data") { w in
            w.line("dataset", dataset.rawValue)
            w.line("directory", directory.map(YAMLWriter.string))
            w.line("download", ConfigValue.bool(download))
            w.line("train_samples", trainSamples.map(ConfigValue.int))
            w.line("test_samples", testSamples.map(ConfigValue.int))
            w.line("validation_fraction", ConfigValue.number(validationFraction))
            w.line("folds", folds.map(ConfigValue.int))
            w.line("fold", fold.map(ConfigValue.int))
            w.line("test_fraction", testFraction.map(ConfigValue.number))
            w.line("train_subset", trainSubset.map(ConfigValue.int))
            if let generated {
                w.line(
                    "generated",
                    "{run: \(YAMLWriter.string(generated.run)), ratio: \(ConfigValue.number(generated.ratio))}")
            }
            w.line("batch_size", batchSize.description)
            w.line("eval_batch_size", evalBatchSize.description)
            w.line("shuffle", ConfigValue.bool(shuffle))
            w.line("workers", ConfigValue.int(workers))
            switch normalize {
            case .none: w.line("normalize", "none")
            case .dataset: w.line("normalize", "dataset")
            case .fixed(let mean, let std):
                w.line(
                    "normalize",
                    "{mean: \(YAMLWriter.flow(.list(mean.map(ConfigValue.number)))), std: \(YAMLWriter.flow(.list(std.map(ConfigValue.number))))}"
                )
            }
            w.list("augment", augment.map(\.yaml))
            if let audio { w.line("audio", "{mels: \(audio.mels), frames: \(audio.frames)}") }
            if let csv {
                w.line("path", YAMLWriter.string(csv.path))
                w.line(
                    "target",
                    csv.target.count == 1
                        ? YAMLWriter.string(csv.target[0]) : YAMLWriter.flow(.list(csv.target.map(ConfigValue.string))))
                w.line("features", csv.features.map { YAMLWriter.flow(.list($0.map(ConfigValue.string))) })
                w.line("task", csv.task.rawValue)
            }
            if let text {
                w.line("path", YAMLWriter.string(text.path))
                if text.task == .languageModel {
                    w.line("task", text.task.rawValue)
                    w.line("sequence_length", ConfigValue.int(text.sequenceLength))
                    w.line("files", text.files.map { YAMLWriter.flow(.list($0.map(ConfigValue.string))) })
                    w.line("separator", text.separator.map(YAMLWriter.string))
                } else {
                    w.line("text_column", YAMLWriter.string(text.textColumn))
                    w.line("label_column", YAMLWriter.string(text.labelColumn))
                    w.line("max_length", text.maxLength.map(ConfigValue.int))
                }
                w.line("tokenizer", text.tokenizer.rawValue)
                w.line("min_frequency", ConfigValue.int(text.minFrequency))
                w.line("max_vocabulary", text.maxVocabulary.map(ConfigValue.int))
            }
            if let folder {
                w.line("path", YAMLWriter.string(folder.path))
                w.line("image_size", folder.imageSize.map { YAMLWriter.flow(.list($0.map(ConfigValue.int))) })
                w.line("channels", ConfigValue.int(folder.channels))
                if dataset == .shards {
                    w.line("shuffle_buffer", ConfigValue.int(folder.shuffleBuffer))
                } else {
                    w.line("on_bad_file", folder.onBadFile.rawValue)
                }
                w.line("test_path", folder.testPath.map(YAMLWriter.string))
            }
        }
    }
}
