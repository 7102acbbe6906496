/* OSU-style MPI_Allreduce bandwidth, the C reference for `descent bench --workloads allreduce`.
 *
 *   mpicc -O2 -o /tmp/osu-allreduce scripts/osu-allreduce.c
 *   mpirun -np 2 /tmp/osu-allreduce          (as root: OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
 *
 * In-place float sums of 4 KiB … 64 MiB (×4 steps), 2 warm-up calls, then max(3, min(1000, 64 MiB / bytes)) calls
 * after a barrier; the time is the slowest rank's mean per call (as descent's workload). Prints one line per size:
 * bytes, ms per call, algorithm bandwidth (bytes / time) and bus bandwidth (algbw · 2(N − 1)/N), in GB/s. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const long largest = 64L << 20;
    float *buffer = calloc(largest / 4, sizeof(float));
    if (rank == 0) printf("# ranks %d\n# bytes ms algbw_GBs busbw_GBs\n", size);
    for (long bytes = 4096; bytes <= largest; bytes *= 4) {
        int count = (int)(bytes / 4);
        long iterations = (64L << 20) / bytes;
        if (iterations < 3) iterations = 3;
        if (iterations > 1000) iterations = 1000;
        memset(buffer, 0, bytes);
        for (int i = 0; i < 2; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (long i = 0; i < iterations; i++)
            MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double seconds = (MPI_Wtime() - start) / (double)iterations, slowest = 0;
        MPI_Allreduce(&seconds, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        double algbw = (double)bytes / slowest / 1e9;
        if (rank == 0)
            printf("%ld %.4f %.3f %.3f\n", bytes, slowest * 1e3, algbw, algbw * 2.0 * (size - 1) / size);
    }
    free(buffer);
    MPI_Finalize();
    return 0;
}
