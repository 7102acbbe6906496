import Testing

/// `descent summary` stops with one line for an unknown model, a bad `--input` shape or class count.
@Suite struct SummaryCommandErrorTests {
    static let models = "mlp, cnn, cnn-bn, lenet5, vgg, resnet, resnet18, text_rnn, audio_rnn, seq2seq, rnn_lm"

    @Test(arguments: [
        (["summary", "--model", "nope"], CommandOutcome.usage("--model: unknown model 'nope' (available: \(models))")),
        (
            ["summary", "--input", "1,x,28"],
            .usage("--input must be positive comma-separated sizes such as 1,28,28, got '1,x,28'")
        ),
        (
            ["summary", "--input", "0,28,28"],
            .usage("--input must be positive comma-separated sizes such as 1,28,28, got '0,28,28'")
        ),
        (["summary", "--input", ""], .usage("--input must be positive comma-separated sizes such as 1,28,28, got ''")),
        (["summary", "--classes", "0"], .usage("--classes must be at least 1, got 0")),
        (["summary", "--classes", "ten"], .usage("The value 'ten' is invalid for '--classes <classes>'")),
        (
            ["summary", "--model", "lenet5", "--input", "1,32,32"],
            .failure("--model lenet5: expects 28×28 images, the data gives [1, 32, 32]")
        ),
        (
            ["summary", "--model", "cnn", "--input", "3,5,5"],
            .failure("--model cnn: expects [C, H, W] images with sides divisible by 4, the data gives [3, 5, 5]")
        ),
        (
            ["summary", "--model", "resnet", "--input", "784"],
            .failure("--model resnet: expects [C, H, W] images, the data gives [784]")
        ),
        (["summarise"], .usage("Unexpected argument 'summarise'")),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }
}
