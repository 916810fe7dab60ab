import Foundation
import WireProtocol

/// Fault injection for the reliability tests: the process kills itself (SIGKILL) at a chosen
/// point, so a test can lose a worker exactly mid-level or exactly between levels.
public enum WorkerFault: Equatable {
    /// Dies instead of sending its Nth reply to a histogram request (1-based; Histograms, or
    /// Evaluations when the workers reduce among themselves): a batch is left unanswered.
    case beforeHistograms(Int)
    /// Dies right after sending its Nth Applied (1-based): between two levels.
    case afterApplied(Int)
    /// Dies instead of sending back the Nth batch of subtrees it grew (1-based): a handoff is lost.
    case beforeSubtrees(Int)

    /// "histograms:N", "applied:N" or "subtrees:N".
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]), n > 0 else { return nil }
        switch parts[0] {
        case "histograms": self = .beforeHistograms(n)
        case "applied": self = .afterApplied(n)
        case "subtrees": self = .beforeSubtrees(n)
        default: return nil
        }
    }

    /// Counts the worker's replies and strikes at the chosen one.
    struct Trigger {
        let fault: WorkerFault?
        private var histograms = 0, applied = 0, subtrees = 0

        init(_ fault: WorkerFault?) { self.fault = fault }

        mutating func beforeSending(_ message: WireMessage) {
            switch message.envelope.body {
            case .histograms, .evaluations:
                histograms += 1
                if fault == .beforeHistograms(histograms) { kill(getpid(), SIGKILL) }
            case .subtreesGrown:
                subtrees += 1
                if fault == .beforeSubtrees(subtrees) { kill(getpid(), SIGKILL) }
            default:
                return
            }
        }

        mutating func afterSending(_ message: WireMessage) {
            guard case .applied = message.envelope.body else { return }
            applied += 1
            if fault == .afterApplied(applied) {
                usleep(50_000)  // let ZeroMQ's I/O thread put it on the wire
                kill(getpid(), SIGKILL)
            }
        }
    }
}
