import Dataset
import Foundation
import RDTCore

/// report.json: what is not part of the forest (mode, timings, traffic), beside the trees. The
/// trees themselves hold only what determines them (`ForestHistory`).
public struct TrainingReport: Equatable {
    /// How a cluster counted the histograms.
    public struct Cluster: Equatable {
        /// Workers holding pixels at the end.
        public var workers = 0
        public var bytesReceived = 0
        public var bytesSent = 0
        /// Bytes received + sent while each level was grown, by level (a resumed job has none
        /// for the levels before it resumed).
        public var bytesByLevel: [Int: Int] = [:]
        /// Of those, the bytes received (what the workers send the coordinator), by level.
        public var bytesReceivedByLevel: [Int: Int] = [:]
        /// Seconds the level loop waited for the workers' histograms and splits.
        public var secondsWaiting = 0.0
        /// Workers lost while holding pixels.
        public var workersLost = 0

        public init() {}
    }

    public var job: String
    /// "single-process" or "distributed".
    public var mode: String
    public var seconds = 0.0
    /// The forest's files, by name, in the job's folder.
    public var files: [String] = []
    /// The level the job resumed at from its checkpoint (nil: it started at the roots).
    public var resumedAt: Int?
    /// Levels started over because a worker was lost.
    public var levelRestarts = 0
    /// Seconds spent writing checkpoints.
    public var checkpointSeconds = 0.0
    public var cluster: Cluster?
    public var levels: [LevelRecord] = []

    public init(job: String, mode: String) {
        self.job = job
        self.mode = mode
    }

    public var json: JSON {
        var fields: [(String, JSON)] = [
            ("job", .string(job)), ("mode", .string(mode)), ("canopy_version", .string(CanopyVersion.description)),
        ]
        if let c = cluster { fields.append(("workers", .int(c.workers))) }
        fields.append(("seconds", .double(seconds)))
        fields.append(("seconds_checkpointing", .double(checkpointSeconds)))
        if let c = cluster {
            fields += [
                ("bytes_received", .int(c.bytesReceived)), ("bytes_sent", .int(c.bytesSent)),
                ("bytes_by_level", .object(c.bytesByLevel.keys.sorted().map { (String($0), .int(c.bytesByLevel[$0] ?? 0)) })),
                (
                    "bytes_received_by_level",
                    .object(c.bytesReceivedByLevel.keys.sorted().map { (String($0), .int(c.bytesReceivedByLevel[$0] ?? 0)) })
                ),
                ("seconds_waiting_for_workers", .double(c.secondsWaiting)), ("workers_lost", .int(c.workersLost)),
            ]
        }
        fields += [
            ("level_restarts", .int(levelRestarts)), ("resumed_at_level", resumedAt.map { JSON.int($0) } ?? .null),
            ("files", .array(files.map { .string($0) })), ("levels", .array(levels.map(\.json))),
        ]
        return .object(fields)
    }

    /// Writes `DIR/report.json` atomically.
    public func write(directory: String) throws {
        try AtomicFile.write(Array(json.serialized().utf8), to: ForestFiles.report(in: directory))
    }
}
