import Foundation
import Synchronization

/// Ctrl-C (SIGINT), SIGTERM and SIGUSR1 as a request to stop training: after ``install()``, the first signal raises a
/// process-wide flag that ``InterruptCheck`` checks after every step (it stops, and ``ModelCheckpoint`` saves the
/// state so the run can be resumed); a second signal ends the process at once with status 130.
///
/// The signals are blocked in the calling thread (and so in every thread it starts afterwards) and taken
/// synchronously by one watcher thread with `sigwait`, so no signal handler ever interrupts a computing thread.
/// SIGUSR1 is there for data-parallel runs: `mpirun` forwards it to every rank (it ends the job on SIGINT).
/// Call ``install()`` early, before threads are started. The flag is the one piece of global mutable state in
/// DescentTrain, as signals are process-wide.
public enum InterruptSignal {
    private static let raised = Atomic<Bool>(false)
    private static let installed = Atomic<Bool>(false)

    /// Blocks SIGINT, SIGTERM and SIGUSR1 in the calling thread and starts the watcher thread (once per process).
    public static func install() {
        guard !installed.exchange(true, ordering: .relaxed) else { return }
        var set = signals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let watcher = Thread {
            var set = signals()
            var signal: Int32 = 0
            while sigwait(&set, &signal) == 0 {
                if raised.exchange(true, ordering: .relaxed) { _exit(130) }
            }
        }
        watcher.name = "descent interrupt watcher"
        watcher.start()
    }

    /// SIGINT, SIGTERM and SIGUSR1.
    private static func signals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGUSR1)
        return set
    }

    /// Whether a stop was requested by a signal (or by ``raise()``).
    public static var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Requests a stop as a signal would (for tests and embedding applications).
    public static func raise() { raised.store(true, ordering: .relaxed) }

    /// Clears the request.
    public static func reset() { raised.store(false, ordering: .relaxed) }
}
