/// The built-in datasets, by the name that configs (`data.dataset`) and every `descent` command use: the one
/// list of datasets, with what each holds, how it is split and the zoo model that fits it.
public enum DatasetName: String, Sendable, CaseIterable, Codable {
    /// Generated shapes: offline, `[1, 28, 28]`, 10 classes (``GeneratedShapes``).
    case shapes
    /// MNIST handwritten digits.
    case mnist
    /// Fashion-MNIST clothing.
    case fashionMNIST = "fashion-mnist"
    /// CIFAR-10 colour images.
    case cifar10
    /// scikit-learn's 8×8 digits as `[64]` feature vectors, split with a test fraction.
    case sklearnDigits = "sklearn-digits"
    /// Free Spoken Digits waveforms (log-mel spectrograms in configs).
    case freeSpokenDigits = "free-spoken-digits"
    /// A CSV file of numeric columns (a path is needed), split with a test fraction.
    case csv
    /// Labelled texts: a CSV/TSV table with a text and a label column, or one folder of `.txt` files per class
    /// (a path is needed), tokenized, split with a test fraction.
    case text
    /// Images in one folder per class (`data.path`), JPEG/PNG/WebP (``ImageFolder``), split with a test fraction.
    case folder
    /// Images in tar shards in WebDataset's layout (`data.path`; ``ImageShards``), streamed shard by shard.
    case shards
    /// Digits to English number names, generated: a sequence-to-sequence task with a known answer
    /// (``SpellNumbers``).
    case spellNumbers = "spell-numbers"

    /// The datasets that need no path of their own (every name but `csv`, `text`, `folder` and `shards`).
    public static var builtIn: [DatasetName] {
        allCases.filter { $0 != .csv && $0 != .text && $0 != .folder && $0 != .shards }
    }

    /// Other spellings accepted for the name.
    public var aliases: [String] {
        switch self {
        case .shapes: return ["generated-shapes"]
        case .fashionMNIST: return ["fashionmnist"]
        case .cifar10: return ["cifar-10"]
        case .sklearnDigits: return ["digits"]
        case .freeSpokenDigits: return ["fsdd"]
        case .folder: return ["image-folder", "imagefolder"]
        case .shards: return ["webdataset", "tar-shards"]
        case .mnist, .csv, .text, .spellNumbers: return []
        }
    }

    /// The dataset called `text`: its name or an alias, ignoring case and treating `_` as `-`.
    public init?(lookup text: String) {
        let key = text.lowercased().replacingOccurrences(of: "_", with: "-")
        guard let match = Self.allCases.first(where: { $0.rawValue == key || $0.aliases.contains(key) }) else {
            return nil
        }
        self = match
    }

    /// One line on what the dataset holds.
    public var summary: String {
        switch self {
        case .shapes: return "generated shapes, [1, 28, 28], 10 classes, 12,000 + 2,000, no files needed"
        case .mnist: return "MNIST handwritten digits, [1, 28, 28], 10 classes, 60,000 + 10,000"
        case .fashionMNIST: return "Fashion-MNIST clothing, [1, 28, 28], 10 classes, 60,000 + 10,000"
        case .cifar10: return "CIFAR-10 colour images, [3, 32, 32], 10 classes, 50,000 + 10,000"
        case .sklearnDigits:
            return "scikit-learn 8x8 digits, [64], 10 classes, 1,797 (no official split: a test fraction)"
        case .freeSpokenDigits: return "Free Spoken Digit Dataset waveforms, [1, samples], 10 classes, 2,700 + 300"
        case .csv: return "a CSV file of numeric columns (data.path), split with a test fraction"
        case .text:
            return "labelled texts: a CSV/TSV text and label column, or class folders of .txt files (data.path), "
                + "split with a test fraction"
        case .folder:
            return "images in one folder per class (data.path), JPEG/PNG/WebP, split with a test fraction"
        case .shards:
            return "images in tar shards, WebDataset's layout (data.path; descent shard writes them), streamed"
        case .spellNumbers:
            return "numbers 0-999,999 in digits to English words, [2, 10] tokens, 40,000 + 2,000, no files needed"
        }
    }

    /// Whether the dataset comes with its own test split (otherwise a test fraction of it is held out).
    public var hasTestSplit: Bool {
        self != .csv && self != .sklearnDigits && self != .text && self != .folder && self != .shards
    }

    /// Whether samples are `[C, H, W]` images.
    public var isImage: Bool {
        self == .shapes || self == .mnist || self == .fashionMNIST || self == .cifar10 || self == .folder
            || self == .shards
    }

    /// The zoo model a config gets when it names none: `cnn-bn` for images and spectrograms, `mlp` for
    /// feature vectors, `text_rnn` for texts, `seq2seq` for spell-numbers.
    public var defaultModel: String {
        switch self {
        case .sklearnDigits, .csv: return "mlp"
        case .text: return "text_rnn"
        case .spellNumbers: return "seq2seq"
        default: return "cnn-bn"
        }
    }

    /// The shape of one sample as configs feed it to the model, where the dataset fixes it (audio depends on the
    /// log-mel settings; a CSV on its columns).
    public var sampleShape: [Int]? {
        switch self {
        case .shapes, .mnist, .fashionMNIST: return [1, 28, 28]
        case .cifar10: return [3, 32, 32]
        case .sklearnDigits: return [64]
        case .freeSpokenDigits, .csv, .text, .folder, .shards: return nil
        case .spellNumbers: return [2, SpellNumbers.length]
        }
    }

    /// Class names, indexed by label, where the dataset fixes them.
    public var classNames: [String]? {
        switch self {
        case .shapes: return GeneratedShapes.classNames
        case .mnist: return MNIST.classNames
        case .fashionMNIST: return FashionMNIST.classNames
        case .cifar10: return CIFAR10.classNames
        case .sklearnDigits, .freeSpokenDigits: return (0...9).map(String.init)
        case .csv, .text, .folder, .shards, .spellNumbers: return nil
        }
    }
}
