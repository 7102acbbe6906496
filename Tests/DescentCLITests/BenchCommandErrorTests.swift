import Testing

/// `descent bench` stops with one line for an unknown workload, a bad thread count, an unknown precision or `allreduce` outside an MPI
/// launch (before running anything).
@Suite struct BenchCommandErrorTests {
    @Test(arguments: [
        (["bench", "--threads", "0"], CommandOutcome.usage("--threads must be at least 1, got 0")),
        (
            ["bench", "--precision", "fp8"],
            .usage("--precision: unknown precision 'fp8' (available: float32, bf16)")
        ),
        (
            ["bench", "--workloads", "w10"],
            .usage(
                "--workloads: unknown workload 'w10' (available: w1, w2, w3, w4_mlp, w4_cnn, w5, w6, w7, w8, w9, w2_trainer, elementwise, data, data-folder, optimizers, allreduce)"
            )
        ),
        (
            ["bench", "--workloads", "allreduce"],
            .usage(
                "--workloads allreduce: measures MPI all-reduce between ranks and needs an MPI launch, such as "
                    + "'mpirun -np 2 descent bench --workloads allreduce' (as root, with OMPI_ALLOW_RUN_AS_ROOT=1 "
                    + "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)")
        ),
    ])
    func badInput(arguments: [String], expected: CommandOutcome) {
        #expect(CommandOutcome.of(arguments) == expected)
    }
}
