import Testing

/// `descent augment` stops with one line for an unknown dataset or transform and a bad count.
@Suite struct AugmentCommandErrorTests {
    static let datasets = "shapes, mnist, fashion-mnist, cifar10, free-spoken-digits"
    static let imageTransforms =
        "random_affine, random_rotation, random_horizontal_flip, random_vertical_flip, random_crop, "
        + "random_resized_crop, random_perspective, random_erasing, color_jitter, gaussian_noise"

    @Test(arguments: [
        (
            ["augment", "--dataset", "nope"],
            CommandOutcome.usage("--dataset: unknown dataset 'nope' (available: \(datasets))")
        ),
        (
            ["augment", "--transforms", "spin"],
            .usage("--transforms: unknown transform 'spin' for shapes (available: \(imageTransforms))")
        ),
        (
            ["augment", "--transforms", "random_rotation,Spin"],
            .usage("--transforms: unknown transform 'spin' for shapes (available: \(imageTransforms))")
        ),
        (["augment", "--transforms", ","], .usage("--transforms: give at least one transform")),
        (
            ["augment", "--dataset", "free-spoken-digits", "--transforms", "color_jitter"],
            .usage(
                "--transforms: unknown transform 'color_jitter' for free-spoken-digits (available: time_masking, frequency_masking)"
            )
        ),
        (["augment", "--count", "0"], .usage("--count must be at least 1, got 0")),
        (["augment", "--seed", "x"], .usage("The value 'x' is invalid for '--seed <seed>'")),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }
}
