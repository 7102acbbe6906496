import Testing

/// `descent augment` stops with one line for an unknown dataset or transform and a bad count.
@Suite struct AugmentCommandErrorTests {
    static let datasets = "shapes, mnist, fashion-mnist, cifar10, free-spoken-digits"
    static let imageTransforms = "flip, vflip, rotate, affine, perspective, crop, resized-crop, jitter, noise, erase, mixup"

    @Test(arguments: [
        (["augment", "--dataset", "nope"], CommandOutcome.usage("--dataset: unknown dataset 'nope' (available: \(datasets))")),
        (["augment", "--transforms", "spin"], .usage("--transforms: unknown transform 'spin' for shapes (available: \(imageTransforms))")),
        (["augment", "--transforms", "flip,Spin"], .usage("--transforms: unknown transform 'spin' for shapes (available: \(imageTransforms))")),
        (["augment", "--transforms", ","], .usage("--transforms: give at least one transform")),
        (["augment", "--dataset", "free-spoken-digits", "--transforms", "flip"],
         .usage("--transforms: unknown transform 'flip' for free-spoken-digits (available: time-mask, freq-mask, stretch)")),
        (["augment", "--count", "0"], .usage("--count must be at least 1, got 0")),
        (["augment", "--seed", "x"], .usage("The value 'x' is invalid for '--seed <seed>'")),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }
}
