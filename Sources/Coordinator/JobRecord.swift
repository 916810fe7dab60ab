import Foundation
import Training

/// A queued job and what `status` shows of it; updated by the coordinator as the job runs.
public final class JobRecord {
    public enum State: String { case queued, loading, training, finished, failed }

    public let job: TrainingJob
    /// The dataset's folder, absolute (workers read it by this path from shared storage).
    public let dataset: String
    public internal(set) var state = State.queued
    public internal(set) var level = 0
    public internal(set) var nodesDone = 0
    public internal(set) var nodesAtLevel = 0
    public internal(set) var decidedPerTree: [Int]
    public internal(set) var pixelsCounted = 0
    /// Histogram bytes received from, and bytes sent to, the workers so far.
    public internal(set) var bytesReceived = 0
    public internal(set) var bytesSent = 0
    public internal(set) var started: Date?
    public internal(set) var finished: Date?
    /// The forest's files (paths on the coordinator), once finished.
    public internal(set) var files: [String] = []
    public internal(set) var error: String?
    public internal(set) var workersLost = 0
    public internal(set) var levelRestarts = 0
    /// The level this job resumed at from a checkpoint (nil: started at the roots).
    public internal(set) var resumedAt: Int?
    /// What report.json holds, once trained here.
    public internal(set) var report: TrainingReport?
    /// Seconds waiting for workers to route their pixels at the ends of levels.
    public internal(set) var applySeconds = 0.0

    init(job: TrainingJob, dataset: String) {
        self.job = job
        self.dataset = URL(fileURLWithPath: dataset).standardizedFileURL.path
        decidedPerTree = Array(repeating: 0, count: job.trees)
    }

    /// Seconds since the job started (to its end, once finished); nil before it starts.
    func elapsed(now: Date) -> TimeInterval? { started.map { (finished ?? now).timeIntervalSince($0) } }

    /// Pixels the workers counted per second since the job started; nil before it starts.
    func pixelsPerSecond(now: Date) -> Double? {
        elapsed(now: now).map { $0 > 0 ? Double(pixelsCounted) / $0 : 0 }
    }

    func fail(_ error: Error) {
        state = .failed
        self.error = "\(error)"
        finished = Date()
    }
}
