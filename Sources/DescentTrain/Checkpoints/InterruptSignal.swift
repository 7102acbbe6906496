import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop training: after ``install()``, the first signal raises a
/// process-wide flag that ``Trainer`` checks after every step (it stops, and ``ModelCheckpoint`` saves the
/// state so the run can be resumed); a second signal ends the process at once with status 130.
///
/// The flag is the one piece of global mutable state in DescentTrain, as signals are process-wide.
public enum InterruptSignal {
    private static let raised = Atomic<Bool>(false)

    /// Routes SIGINT and SIGTERM to the flag.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            if InterruptSignal.raised.exchange(true, ordering: .relaxed) { _exit(130) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Whether a stop was requested by a signal (or by ``raise()``).
    public static var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Requests a stop as a signal would (for tests and embedding applications).
    public static func raise() { raised.store(true, ordering: .relaxed) }

    /// Clears the request.
    public static func reset() { raised.store(false, ordering: .relaxed) }
}
