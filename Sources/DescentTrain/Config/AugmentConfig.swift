import Descent
import DescentData

/// One augmentation of `data.augment`: a random transform applied to training samples only, after
/// normalisation, with torchvision/torchaudio's argument names.
public struct AugmentConfig: Sendable, Equatable {
    /// The transforms that can be named: the one list that configs (`data.augment`) and `descent augment` read.
    public enum Kind: String, Sendable, CaseIterable {
        /// Geometric warps: `random_affine`, `random_rotation`.
        case randomAffine = "random_affine", randomRotation = "random_rotation"
        /// Mirror images with probability `p`.
        case randomHorizontalFlip = "random_horizontal_flip", randomVerticalFlip = "random_vertical_flip"
        /// Padded crops, resized crops, perspective warps, erased rectangles.
        case randomCrop = "random_crop", randomResizedCrop = "random_resized_crop", randomPerspective =
            "random_perspective"
        /// Erased rectangles.
        case randomErasing = "random_erasing"
        /// Brightness and contrast changes, additive noise.
        case colorJitter = "color_jitter", gaussianNoise = "gaussian_noise"
        /// SpecAugment masks of spectrogram frames and mel bands.
        case timeMasking = "time_masking", frequencyMasking = "frequency_masking"

        /// Whether the transform is for spectrograms (`[1, mels, frames]`) rather than images.
        public var isAudio: Bool { self == .timeMasking || self == .frequencyMasking }

        /// The options, their types and defaults.
        var specs: [OptionSpec] {
            switch self {
            case .randomAffine:
                return [
                    OptionSpec.number("degrees", nil, .nonNegative).required(),
                    .numbers("translate", nil, count: 2, .probability),
                    .numbers("scale", nil, count: 2, .positive), .number("shear", nil, .nonNegative),
                    .number("fill", float: RandomAffine.defaultFill),
                ]
            case .randomRotation:
                return [
                    OptionSpec.number("degrees", nil, .nonNegative).required(),
                    .number("fill", float: RandomRotation.defaultFill),
                ]
            case .randomHorizontalFlip: return [.number("p", float: RandomHorizontalFlip.defaultP, .probability)]
            case .randomVerticalFlip: return [.number("p", float: RandomVerticalFlip.defaultP, .probability)]
            case .randomCrop:
                return [
                    .size("size", nil), .int("padding", RandomCrop.defaultPadding, .nonNegative),
                    .choice("padding_mode", ["constant", "reflect"], "constant"),
                    .number("fill", float: RandomCrop.defaultFill),
                ]
            case .randomResizedCrop:
                return [
                    .numbers("scale", range: RandomResizedCrop.defaultScale, .probability),
                    .numbers("ratio", range: RandomResizedCrop.defaultRatio, .positive),
                ]
            case .randomPerspective:
                return [
                    .number("distortion_scale", RandomPerspective.defaultDistortionScale, .probability),
                    .number("p", float: RandomPerspective.defaultP, .probability),
                    .number("fill", float: RandomPerspective.defaultFill),
                ]
            case .randomErasing:
                return [
                    .number("p", float: RandomErasing.defaultP, .probability),
                    .numbers("scale", range: RandomErasing.defaultScale, .probability),
                    .numbers("ratio", range: RandomErasing.defaultRatio, .positive),
                    .number("value", float: RandomErasing.defaultValue),
                ]
            case .colorJitter:
                return [
                    .number("brightness", float: ColorJitter.defaultBrightness, .nonNegative),
                    .number("contrast", float: ColorJitter.defaultContrast, .nonNegative),
                ]
            case .gaussianNoise:
                // `clip` defaults to false, unlike torchvision: the samples are normalised first, not in [0, 1].
                return [
                    .number("mean", float: GaussianNoise.defaultMean),
                    .number("std", float: GaussianNoise.defaultStd, .nonNegative), .flag("clip", false),
                ]
            case .timeMasking:
                return [
                    .int("time_mask_param", nil, .nonNegative), .flag("iid_masks", TimeMasking.defaultIIDMasks),
                    .number("p", float: TimeMasking.defaultP, .probability),
                    .number("mask_value", float: TimeMasking.defaultMaskValue),
                ]
            case .frequencyMasking:
                return [
                    .int("freq_mask_param", nil, .nonNegative),
                    .flag("iid_masks", FrequencyMasking.defaultIIDMasks),
                    .number("p", float: FrequencyMasking.defaultP, .probability),
                    .number("mask_value", float: FrequencyMasking.defaultMaskValue),
                ]
            }
        }
    }

    /// Which transform.
    public var kind: Kind
    /// Its options (absent: `random_crop.size` is the image size; the masking widths are a sixth of the
    /// frames or mel bands).
    public var options: ConfigOptions

    /// A transform with `options`; the options left out take their defaults.
    public init(_ kind: Kind, options: ConfigOptions = ConfigOptions()) {
        self.kind = kind
        self.options = ConfigOptions.defaults(kind.specs).merging(options)
    }

    /// Reads one item of `data.augment`.
    init(_ item: ConfigNode, path: String, in reader: SectionReader) throws {
        let (name, r) = try reader.namedItem(
            item, path: path, choices: Kind.allCases.map(\.rawValue), what: "transform")
        kind = Kind(rawValue: name)!
        options = try r.options(kind.specs, for: name)
        for key in ["scale", "ratio"] {
            if let v = options.doubles(key), v.count == 2, v[0] > v[1] {
                throw r.error(
                    key, "the lower bound \(YAMLWriter.number(v[0])) exceeds the upper bound \(YAMLWriter.number(v[1]))"
                )
            }
        }
        let own = kind.specs.map(\.key)
        try r.finish(
            known: ["name"] + own,
            elsewhere: OptionSpec.misplaced(Kind.allCases.flatMap { $0.specs.map(\.key) }, own: own, in: name))
    }

    /// The options `descent augment` shows the transform with: its defaults, made strong enough to see on a
    /// 28×28 image (probability 1, visible angles and jitter).
    public static func preview(_ kind: Kind) -> AugmentConfig {
        let p1 = ConfigOptions(["p": .number(1)])
        switch kind {
        case .randomAffine:
            return AugmentConfig(
                kind,
                options: ConfigOptions([
                    "degrees": .number(15), "translate": .list([.number(0.1), .number(0.1)]),
                    "scale": .list([.number(0.8), .number(1.2)]), "shear": .number(10),
                ]))
        case .randomRotation: return AugmentConfig(kind, options: ConfigOptions(["degrees": .number(30)]))
        case .randomHorizontalFlip, .randomVerticalFlip, .randomPerspective, .randomErasing:
            return AugmentConfig(kind, options: p1)
        case .randomCrop: return AugmentConfig(kind, options: ConfigOptions(["padding": .int(4)]))
        case .randomResizedCrop:
            return AugmentConfig(kind, options: ConfigOptions(["scale": .list([.number(0.3), .number(1)])]))
        case .colorJitter:
            return AugmentConfig(kind, options: ConfigOptions(["brightness": .number(0.5), "contrast": .number(0.5)]))
        case .gaussianNoise: return AugmentConfig(kind)
        case .timeMasking: return AugmentConfig(kind, options: ConfigOptions(["time_mask_param": .int(16)]))
        case .frequencyMasking: return AugmentConfig(kind, options: ConfigOptions(["freq_mask_param": .int(12)]))
        }
    }

    /// The item as written in a resolved configuration.
    var yaml: String { YAMLWriter.item(name: kind.rawValue, options, order: kind.specs.map(\.key)) }

    /// The transform for samples of shape `shape` (`[C, H, W]` images, `[1, mels, frames]` spectrograms).
    ///
    /// - Throws: ``DescentError`` located by `location` when the samples are not images or a crop does not
    ///   keep their size.
    public func makeTransform(sampleShape shape: [Int], location: String) throws -> any Transform {
        let o = options
        guard shape.count == 3 || shape.count == 2 else {
            throw DescentError(
                .config, location, "\(kind.rawValue) needs images or spectrograms ([C, H, W]), the samples are \(shape)"
            )
        }
        let height = shape[shape.count - 2], width = shape[shape.count - 1]
        switch kind {
        case .randomAffine:
            let t = o.doubles("translate")
            return RandomAffine(
                degrees: o.double("degrees") ?? 0, translate: t.map { (x: $0[0], y: $0[1]) }, scale: o.range("scale"),
                shear: o.double("shear"), fill: o.float("fill")!)
        case .randomRotation: return RandomRotation(degrees: o.double("degrees") ?? 0, fill: o.float("fill")!)
        case .randomHorizontalFlip: return RandomHorizontalFlip(p: o.float("p")!)
        case .randomVerticalFlip: return RandomVerticalFlip(p: o.float("p")!)
        case .randomCrop:
            let size = o.size("size") ?? Size2D(height, width)
            guard size == Size2D(height, width) else {
                throw DescentError(
                    .config, location,
                    "crops of \(size.height)×\(size.width) differ from the \(height)×\(width) samples the model is evaluated on; use the image size with padding"
                )
            }
            let mode: RandomCrop.PaddingMode =
                o.string("padding_mode") == "reflect" ? .reflect : .constant(o.float("fill")!)
            return RandomCrop(height: size.height, width: size.width, padding: o.int("padding")!, paddingMode: mode)
        case .randomResizedCrop:
            return RandomResizedCrop(height: height, width: width, scale: o.range("scale")!, ratio: o.range("ratio")!)
        case .randomPerspective:
            return RandomPerspective(
                distortionScale: o.double("distortion_scale")!, p: o.float("p")!, fill: o.float("fill")!)
        case .randomErasing:
            return RandomErasing(
                p: o.float("p")!, scale: o.range("scale")!, ratio: o.range("ratio")!, value: o.float("value")!)
        case .colorJitter: return ColorJitter(brightness: o.float("brightness")!, contrast: o.float("contrast")!)
        case .gaussianNoise: return GaussianNoise(mean: o.float("mean")!, std: o.float("std")!, clip: o.bool("clip")!)
        case .timeMasking:
            return TimeMasking(
                timeMaskParam: o.int("time_mask_param") ?? width / 6, iidMasks: o.bool("iid_masks")!,
                p: o.float("p")!, maskValue: o.float("mask_value")!)
        case .frequencyMasking:
            return FrequencyMasking(
                freqMaskParam: o.int("freq_mask_param") ?? height / 6, iidMasks: o.bool("iid_masks")!,
                p: o.float("p")!, maskValue: o.float("mask_value")!)
        }
    }
}
