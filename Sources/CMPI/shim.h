// Thin C binding of Open MPI (libopenmpi-dev on Debian/Ubuntu, open-mpi from Homebrew), for DescentMPI only.
// MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, MPI_STATUS_IGNORE) are macros over
// implementation symbols, which Swift cannot use; these wrappers take plain C types and always work on
// MPI_COMM_WORLD.
#ifndef DESCENT_CMPI_SHIM_H
#define DESCENT_CMPI_SHIM_H

#include <mpi.h>
#include <stdlib.h>

/// MPI_Init_thread with no arguments, asking for MPI_THREAD_FUNNELED (only the main thread calls MPI);
/// returns MPI's error code.
static inline int descent_mpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

/// Whether MPI_Init has been called (1) or not (0).
static inline int descent_mpi_initialized(void) {
    int flag = 0;
    MPI_Initialized(&flag);
    return flag;
}

/// Whether MPI_Finalize has been called (1) or not (0).
static inline int descent_mpi_finalized(void) {
    int flag = 0;
    MPI_Finalized(&flag);
    return flag;
}

/// MPI_Finalize.
static inline int descent_mpi_finalize(void) { return MPI_Finalize(); }

/// Errors are returned, not fatal, on MPI_COMM_WORLD (MPI_ERRORS_RETURN), so the caller can name the failure.
static inline int descent_mpi_errors_return(void) {
    return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

/// This process's rank in MPI_COMM_WORLD.
static inline int descent_mpi_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

/// The number of processes in MPI_COMM_WORLD.
static inline int descent_mpi_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

/// The text of an MPI error code, written into `buffer` (at least MPI_MAX_ERROR_STRING bytes).
static inline void descent_mpi_error_string(int code, char *buffer, int capacity) {
    int length = 0;
    if (capacity < MPI_MAX_ERROR_STRING) { if (capacity > 0) buffer[0] = 0; return; }
    MPI_Error_string(code, buffer, &length);
    buffer[length] = 0;
}

/// MPI_MAX_ERROR_STRING.
static inline int descent_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

/// In-place sum of `count` floats over all ranks (MPI_Allreduce, MPI_IN_PLACE).
static inline int descent_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

/// In-place sum of `count` doubles over all ranks.
static inline int descent_mpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/// In-place maximum of `count` doubles over all ranks.
static inline int descent_mpi_allreduce_max_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
}

/// Starts an in-place sum of `count` floats over all ranks (MPI_Iallreduce); `request` receives the handle.
static inline int descent_mpi_iallreduce_sum_float(float *buffer, int count, void **request) {
    MPI_Request r = MPI_REQUEST_NULL;
    int code = MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &r);
    *request = (void *)r;
    return code;
}

/// Waits for a request started by descent_mpi_iallreduce_sum_float.
static inline int descent_mpi_wait(void *request) {
    MPI_Request r = (MPI_Request)request;
    return MPI_Wait(&r, MPI_STATUS_IGNORE);
}

/// Tests a request started by descent_mpi_iallreduce_sum_float without blocking (MPI_Test), which also drives
/// Open MPI's progress engine; `*flag` becomes 1 once it is complete, and `*request` then MPI_REQUEST_NULL (which
/// descent_mpi_wait accepts).
static inline int descent_mpi_test(void **request, int *flag) {
    MPI_Request r = (MPI_Request)*request;
    int code = MPI_Test(&r, flag, MPI_STATUS_IGNORE);
    *request = (void *)r;
    return code;
}

/// Broadcasts `count` bytes from `root` to every rank.
static inline int descent_mpi_broadcast_bytes(void *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

/// MPI_Barrier on MPI_COMM_WORLD.
static inline int descent_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

/// Sends `count` bytes to `destination` with `tag` (MPI_Send).
static inline int descent_mpi_send_bytes(const void *buffer, int count, int destination, int tag) {
    return MPI_Send(buffer, count, MPI_BYTE, destination, tag, MPI_COMM_WORLD);
}

/// Waits for a message from `source` (-1: any rank) with `tag` (-1: any tag) and reports its source, tag and
/// length in bytes without receiving it (MPI_Probe).
static inline int descent_mpi_probe(int source, int tag, int *actual_source, int *actual_tag, int *count) {
    MPI_Status status;
    int code = MPI_Probe(source < 0 ? MPI_ANY_SOURCE : source, tag < 0 ? MPI_ANY_TAG : tag, MPI_COMM_WORLD, &status);
    if (code != MPI_SUCCESS) return code;
    *actual_source = status.MPI_SOURCE;
    *actual_tag = status.MPI_TAG;
    return MPI_Get_count(&status, MPI_BYTE, count);
}

/// Receives `count` bytes from `source` with `tag` (MPI_Recv), after descent_mpi_probe named them.
static inline int descent_mpi_receive_bytes(void *buffer, int count, int source, int tag) {
    return MPI_Recv(buffer, count, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/// Ends every process of the job (MPI_Abort) with `code`.
static inline void descent_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

#endif
