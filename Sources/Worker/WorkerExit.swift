import CZeroMQ
import Dataset
import Foundation
import RDTCore
import Training
import WireProtocol

/// Why a worker stopped.
public enum WorkerExit: Equatable, CustomStringConvertible {
    case shutdown(String)
    case refused(String)
    case coordinatorGone(String)

    public var description: String {
        switch self {
        case .shutdown(let why): return "stopped by the coordinator: \(why)"
        case .refused(let why): return "refused by the coordinator: \(why)"
        case .coordinatorGone(let endpoint):
            return
                "no word from the coordinator at \(endpoint) for too long (gone, or it refused this worker's key: its log says); stopping"
        }
    }

    public var isClean: Bool { if case .shutdown = self { return true } else { return false } }
}
