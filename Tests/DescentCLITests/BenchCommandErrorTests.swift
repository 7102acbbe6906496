import Testing

/// `descent bench` stops with one line for an unknown workload or a bad thread count (before running anything).
@Suite struct BenchCommandErrorTests {
    @Test(arguments: [
        (["bench", "--threads", "0"], CommandOutcome.usage("--threads must be at least 1, got 0")),
        (
            ["bench", "--workloads", "w9"],
            .usage(
                "--workloads: unknown workload 'w9' (available: w1, w2, w3, w4_mlp, w4_cnn, w5, w6, w7, elementwise, data, optimizers)"
            )
        ),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }
}
