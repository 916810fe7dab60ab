import Dataset
import Foundation
import RDTCore

/// One job's training, the same for one process and for a cluster: resume from the checkpoint,
/// grow level by level with a `TrainingSource`, checkpoint after each level, then write the forest
/// and report.json into the job's folder. A level interrupted by the source starts over.
public final class TrainingRun {
    public let setup: JobSetup
    /// The job's folder.
    public let directory: String
    public let grower: ForestGrower
    /// One line per event (resume, restarts, the end).
    public var log: (String) -> Void
    /// Each level's record, once the level is grown.
    public var onLevel: (LevelRecord) -> Void = { _ in }
    /// Once the source is prepared for the first level (its pixels loaded and routed).
    public var onPrepared: () -> Void = {}
    /// Each level's state, once it is checkpointed.
    public var onCheckpoint: (GrowthState) -> Void = { _ in }
    /// Write checkpoint.json after each level (benchmarks that time levels turn it off).
    public var writesCheckpoints = true
    public private(set) var state: GrowthState
    public private(set) var report: TrainingReport
    private var started = Date()
    /// The history records of reloaded trees, kept before this run's.
    private var reloadedHistory: [[JSON]] = []
    /// Bytes the source moved by the end of the last level, and while each level was grown.
    private var bytesBefore = 0
    private var receivedBefore = 0
    private var bytesReceivedByLevel: [Int: Int] = [:]
    private var bytesByLevel: [Int: Int] = [:]

    public init(setup: JobSetup, directory: String, mode: String, log: @escaping (String) -> Void = { _ in }) {
        self.setup = setup
        self.directory = directory
        self.log = log
        grower = setup.makeGrower()
        state = grower.initialState(labels: setup.manifest.labelMap.labels, camera: setup.camera)
        report = TrainingReport(job: setup.job.name, mode: mode)
    }

    /// The folder's files if it holds this job finished already.
    public var finishedFiles: [String]? { ForestFiles.finished(directory: directory, job: setup.job) }

    /// Starts the clock, removes temporary files a dead writer left and resumes from the folder's
    /// checkpoint if it has one (a checkpoint of another job definition is refused).
    public func start() throws {
        started = Date()
        // A folder that cannot be written fails now, not after the training.
        try AtomicFile.makeDirectory(directory)
        for name in AtomicFile.removeStale(in: directory) { log("job \(setup.job.name): removed \(name), left by a writer that died") }
        guard let resumed = try Checkpoint.resume(directory: directory, job: setup.job) else {
            guard setup.job.reloadTemplate != nil else { return }
            (state, reloadedHistory) = try TreeReload.state(job: setup.job, initial: state)
            let files = (0..<setup.job.trees).compactMap(setup.job.reloadPath).joined(separator: ", ")
            log("job \(setup.job.name): continuing \(files) from level \(state.level)")
            return
        }
        state = resumed.state
        report.levels = resumed.levels
        report.resumedAt = state.level
        log("job \(setup.job.name): resuming from \(ForestFiles.checkpoint(in: directory)) at level \(state.level)")
    }

    /// Grows every level left with `source`, then writes the forest (all or nothing) and
    /// report.json and removes the checkpoint. Returns the forest's files.
    @discardableResult
    public func grow(source: TrainingSource, date: String = ForestFiles.today()) throws -> [String] {
        let job = setup.job
        grower.onLevel = { [unowned self] level in
            report.levels.append(level)
            if let figures = source.clusterFigures {
                let total = figures.bytesReceived + figures.bytesSent
                bytesByLevel[level.level] = total - bytesBefore
                bytesReceivedByLevel[level.level] = figures.bytesReceived - receivedBefore
                bytesBefore = total
                receivedBefore = figures.bytesReceived
            }
            onLevel(level)
        }
        try source.prepare(state.trees)
        onPrepared()
        while !state.finished {
            let before = state.withoutCaches
            do {
                try grower.growLevel(&state, source: source)
            } catch is LevelInterrupted {
                // The level's counts are incomplete: it starts over once the source's pixels are
                // where the trees as they were before it route them.
                state = before
                source.reset()
                report.levelRestarts += 1
                log("job \(job.name): level \(state.level) starts over without the lost worker")
                try source.prepare(state.trees)
                continue
            }
            if writesCheckpoints {
                let start = Date()
                try Checkpoint.write(state, levels: report.levels, job: job, directory: directory)
                report.checkpointSeconds += Date().timeIntervalSince(start)
            }
            onCheckpoint(state)
            if !state.finished { try source.prepare(state.trees) }
        }
        var trees = state.trees
        ForestHistory.annotate(&trees, job: job, indexSizes: setup.indexes.map(\.count), levels: report.levels)
        for (t, earlier) in reloadedHistory.enumerated() where t < trees.count { trees[t].history = earlier + trees[t].history }
        let files = ForestFiles.files(ofJSON: try ForestFiles.write(trees, job: job, directory: directory, date: date))
        report.files = files.map { URL(fileURLWithPath: $0).lastPathComponent }
        report.seconds = Date().timeIntervalSince(started)
        if var figures = source.clusterFigures {
            figures.bytesByLevel = bytesByLevel
            figures.bytesReceivedByLevel = bytesReceivedByLevel
            report.cluster = figures
        }
        try report.write(directory: directory)
        try? FileManager.default.removeItem(atPath: ForestFiles.checkpoint(in: directory))  // the forest supersedes it
        log("job \(job.name): finished, \(trees.count) trees in \(directory)")
        return files
    }
}
