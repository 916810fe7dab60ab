import Foundation

/// Turns SIGINT and SIGTERM into an orderly stop: `cleanup` runs once (off the main thread, which
/// may be blocked in a socket loop), then the process exits with 128 + the signal, as a shell
/// expects. Until `cancel()`, the signals' default actions are off.
final class SignalStop {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "canopy.signals")

    init(cleanup: @escaping (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                cleanup(sig)
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the signals' default actions.
    func cancel() {
        for s in sources { s.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
