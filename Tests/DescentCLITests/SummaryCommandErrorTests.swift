import Testing

/// `descent summary` stops with one line for an unknown model, a bad `--input` shape or class count.
@Suite struct SummaryCommandErrorTests {
    static let models = "cnn, cnn-bn, lenet5, resnet, resnet18, vgg, w1, w2, w3, w5, w7"

    @Test(arguments: [
        (["summary", "--model", "nope"], CommandOutcome.usage("--model: unknown model 'nope' (available: \(models))")),
        (["summary", "--input", "1,x,28"], .usage("--input must be positive comma-separated sizes such as 1,28,28, got '1,x,28'")),
        (["summary", "--input", "0,28,28"], .usage("--input must be positive comma-separated sizes such as 1,28,28, got '0,28,28'")),
        (["summary", "--input", ""], .usage("--input must be positive comma-separated sizes such as 1,28,28, got ''")),
        (["summary", "--classes", "0"], .usage("--classes must be at least 1, got 0")),
        (["summary", "--classes", "ten"], .usage("The value 'ten' is invalid for '--classes <classes>'")),
        (["summary", "--model", "w1", "--input", "1,28,28"],
         .failure("0 (Linear): expects input [*, 784] (in_features = 784), got [1, 1, 28, 28]")),
        (["summary", "--model", "cnn", "--input", "3,5,5"],
         .failure("0 (Conv2d): expects input [N, 1, H, W] (in_channels = 1), got [1, 3, 5, 5]")),
        (["summarise"], .usage("Unexpected argument 'summarise'")),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }
}
