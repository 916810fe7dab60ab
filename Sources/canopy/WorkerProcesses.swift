import Foundation

/// The worker processes `canopy train` and `bench train` start on this machine: spawned with the
/// same binary, watched, and stopped at the end. Once every one has exited, `allExitedReason`
/// says so (with the last exit status), so the coordinator stops instead of waiting forever.
final class WorkerProcesses {
    private let lock = NSLock()
    private var exited: [(Int32, Process.TerminationReason)] = []
    private(set) var processes: [Process] = []
    /// Each worker's standard output, where it is kept (`keepOutput`).
    private var pipes: [Pipe] = []

    /// What becomes of the workers' standard output.
    enum Output {
        /// Written where this process writes (their log lines, at the level they were given).
        case forward
        /// Kept for `output()`.
        case keep
        case discard
    }

    /// Starts `count` workers with `arguments` after `canopy worker`.
    init(count: Int, arguments: [String], output: Output) throws {
        for _ in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: selfExecutable())
            // On this machine, workers reach each other on loopback.
            p.arguments = ["worker", "--advertise-host", "127.0.0.1"] + arguments
            switch output {
            case .forward: break
            case .keep:
                let pipe = Pipe()
                p.standardOutput = pipe
                pipes.append(pipe)
            case .discard: p.standardOutput = FileHandle.nullDevice
            }
            p.terminationHandler = { [weak self] p in self?.record(p.terminationStatus, p.terminationReason) }
            try p.run()
            processes.append(p)
        }
    }

    private func record(_ status: Int32, _ reason: Process.TerminationReason) {
        lock.lock()
        exited.append((status, reason))
        lock.unlock()
    }

    /// One line when every worker has exited, else nil.
    var allExitedReason: String? {
        lock.lock()
        defer { lock.unlock() }
        guard !processes.isEmpty, exited.count == processes.count, let last = exited.last else { return nil }
        let how = last.1 == .uncaughtSignal ? "killed by signal \(last.0)" : "exit status \(last.0)"
        return "all \(processes.count) worker process(es) have exited (the last: \(how)); nobody is left to train with"
    }

    /// Each kept output, read to its end (once the workers are done).
    func output() -> [String] {
        pipes.map { String(decoding: $0.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
    }

    /// Stops the workers still running and waits for all of them.
    func stop() {
        for p in processes where p.isRunning { p.terminate() }
        for p in processes { p.waitUntilExit() }
    }
}
