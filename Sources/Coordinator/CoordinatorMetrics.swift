import Foundation

/// What a coordinator shows Prometheus: a snapshot its own thread writes after each round of
/// messages and the metrics server's thread reads, in the text exposition format (0.0.4).
public final class CoordinatorMetrics: @unchecked Sendable {
    /// One job's figures.
    public struct Job: Equatable {
        public var name: String
        public var state: String
        public var level = 0
        public var maxDepth = 0
        public var nodesDone = 0
        public var nodesAtLevel = 0
        public var pixelsCounted = 0
        public var pixelsPerSecond = 0.0
        public var bytesReceived = 0
        public var bytesSent = 0
        public var workersLost = 0
        public var levelRestarts = 0
    }

    private let lock = NSLock()
    private var jobs: [Job] = []
    private var workers = 0
    private var ready = 0

    public init() {}

    func update(jobs: [Job], workers: Int, ready: Int) {
        lock.lock()
        defer { lock.unlock() }
        self.jobs = jobs
        self.workers = workers
        self.ready = ready
    }

    static let states = ["queued", "loading", "training", "finished", "failed"]

    /// The metrics as Prometheus scrapes them.
    public func exposition() -> String {
        lock.lock()
        let jobs = self.jobs, workers = self.workers, ready = self.ready
        lock.unlock()
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for s in samples { out += "\(name)\(s.labels) \(s.value)\n" }
        }
        func label(_ job: Job, _ extra: String = "") -> String {
            let escaped = job.name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "{job=\"\(escaped)\"\(extra)}"
        }
        metric("canopy_workers", "gauge", "Workers registered with the coordinator.", [("", "\(workers)")])
        metric("canopy_workers_ready", "gauge", "Workers holding the current job's pixels, loaded.", [("", "\(ready)")])
        metric(
            "canopy_job_state", "gauge", "1 for the job's state.",
            jobs.flatMap { j in Self.states.map { (label(j, ",state=\"\($0)\""), j.state == $0 ? "1" : "0") } })
        metric("canopy_job_level", "gauge", "The level being grown.", jobs.map { (label($0), "\($0.level)") })
        metric("canopy_job_max_depth", "gauge", "The job's max_depth.", jobs.map { (label($0), "\($0.maxDepth)") })
        metric("canopy_job_nodes_done", "gauge", "Nodes of this level decided so far.", jobs.map { (label($0), "\($0.nodesDone)") })
        metric(
            "canopy_job_nodes_at_level", "gauge", "Nodes of this level needing histograms.", jobs.map { (label($0), "\($0.nodesAtLevel)") })
        metric(
            "canopy_job_pixels_counted_total", "counter", "Pixel samples the workers counted, over all node batches.",
            jobs.map { (label($0), "\($0.pixelsCounted)") })
        metric(
            "canopy_job_pixels_per_second", "gauge", "Pixels counted per second since the job started.",
            jobs.map { (label($0), String(format: "%.1f", $0.pixelsPerSecond)) })
        metric(
            "canopy_job_bytes_received_total", "counter", "Histogram bytes received from workers.",
            jobs.map { (label($0), "\($0.bytesReceived)") })
        metric("canopy_job_bytes_sent_total", "counter", "Bytes sent to workers.", jobs.map { (label($0), "\($0.bytesSent)") })
        metric(
            "canopy_job_workers_lost_total", "counter", "Workers lost while holding pixels.", jobs.map { (label($0), "\($0.workersLost)") })
        metric(
            "canopy_job_level_restarts_total", "counter", "Levels started over after a loss.",
            jobs.map { (label($0), "\($0.levelRestarts)") })
        return out
    }
}
