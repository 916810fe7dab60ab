import Dataset
import Foundation
import ImagePipeline
import RDTCore
import TestSupport
import Testing

@testable import Training

/// A `LocalSource` that fails on cue: a crash after some levels, or one interrupted level.
final class FaultySource: TrainingSource {
    struct Crash: Error {}

    let inner: LocalSource
    /// Throw `Crash` from the prepare after this many levels.
    var crashAfterLevels: Int?
    /// Throw `LevelInterrupted` from the first histogram batch of this level, once.
    var interruptLevel: Int?
    private var prepared = 0
    private var level = 0

    init(_ inner: LocalSource) { self.inner = inner }

    func prepare(_ trees: [DecisionTree]) throws {
        if let n = crashAfterLevels, prepared >= n { throw Crash() }
        prepared += 1
        try inner.prepare(trees)
    }

    func reset() {}
    var clusterFigures: TrainingReport.Cluster? { nil }

    func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] {
        if let l = interruptLevel, let first = nodes.first, first.node >= (1 << l) - 1, first.node < (1 << (l + 1)) - 1 {
            interruptLevel = nil
            throw LevelInterrupted()
        }
        return try inner.histograms(for: nodes)
    }

    func apply(_ decisions: [(NodeKey, NodeDecision)]) throws { try inner.apply(decisions) }
    var smallNodePixels: Int { inner.smallNodePixels }
    func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        try inner.growSmallSubtrees(roots, sizes: sizes, level: level, rules: rules, denseFor: denseFor)
    }
}

/// One training run, in this process: forest files, report, checkpoints and resume.
@Suite(.serialized) struct TrainingRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let scratch: TemporaryDirectory
    let job: TrainingJob

    init() throws {
        scratch = try TemporaryDirectory()
        try SyntheticDataset.make(
            in: scratch.path, frames: 12, trees: 2,
            labelMap: Self.root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json")
        var p = TrainingParameters()
        p.nPixels = 300
        p.nUVs = 40
        p.nThresholds = 8
        p.maxDepth = 7
        job = TrainingJob(name: "t", parameters: p, trees: 2)
    }

    /// Trains into `folder` with `source` made from the set-up; returns the run.
    func train(_ folder: String, job: TrainingJob? = nil, small: Bool = true, fault: (FaultySource) -> Void = { _ in }) throws
        -> TrainingRun
    {
        let setup = try JobSetup(job: job ?? self.job, datasetRoot: scratch.path + "/data")
        let run = TrainingRun(setup: setup, directory: scratch.path + "/" + folder, mode: "single-process")
        try run.start()
        let source = FaultySource(try LocalSource(setup: setup, threads: 2, smallNodeMemory: small ? 1 << 20 : 0))
        fault(source)
        try run.grow(source: source, date: "D")
        return run
    }

    func bytes(_ folder: String) throws -> [String: Data] {
        let dir = scratch.path + "/" + folder
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != "report.json" {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
        }
        return out
    }

    @Test func aRunWritesItsForestAndReportAndRemovesItsCheckpoint() throws {
        let run = try train("plain")
        let dir = scratch.path + "/plain"
        #expect(try bytes("plain").keys.sorted() == ["t-tree0.json", "t-tree0.rdt", "t-tree1.json", "t-tree1.rdt"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/checkpoint.json"))
        let report = try JSON.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))))
        #expect(report["mode"]?.stringValue == "single-process" && report["files"]?.arrayValue?.count == 4)
        #expect(report["levels"]?.arrayValue?.count == run.report.levels.count && run.report.levels.count > 2)
        #expect(run.finishedFiles?.count == 4)
    }

    @Test func aCrashedRunResumesFromItsCheckpointToTheSameForest() throws {
        _ = try train("whole")
        #expect(throws: FaultySource.Crash.self) { try train("resumed") { $0.crashAfterLevels = 3 } }
        let checkpoint = scratch.path + "/resumed/checkpoint.json"
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let run = try train("resumed")
        #expect(run.report.resumedAt == 3)
        #expect(try bytes("resumed") == bytes("whole"))
    }

    @Test func anInterruptedLevelStartsOverToTheSameForest() throws {
        _ = try train("dense", small: false)
        let run = try train("again", small: false) { $0.interruptLevel = 2 }
        #expect(run.report.levelRestarts == 1)
        #expect(try bytes("again") == bytes("dense"))
    }

    @Test func aCheckpointOfAnotherJobIsRefused() throws {
        #expect(throws: FaultySource.Crash.self) { try train("other") { $0.crashAfterLevels = 1 } }
        var deeper = job
        deeper.parameters.maxDepth = 8
        let setup = try JobSetup(job: deeper, datasetRoot: scratch.path + "/data")
        let run = TrainingRun(setup: setup, directory: scratch.path + "/other", mode: "single-process")
        #expect(throws: CheckpointError.self) { try run.start() }
    }

    @Test func aReloadedTreeContinuedDeeperIsTheTreeTrainedThatDeep() throws {
        _ = try train("deep")
        var shallow = job
        shallow.parameters.maxDepth = 4
        _ = try train("shallow", job: shallow)
        var continued = job
        continued.reloadTemplate = scratch.path + "/shallow/t-tree{job}.json"
        let run = try train("continued", job: continued)
        #expect(run.state.level == 7)
        let deep = try bytes("deep"), more = try bytes("continued")
        for name in ["t-tree0.rdt", "t-tree1.rdt"] { #expect(deep[name] == more[name], "\(name)") }
        let tree = try TreeFile.load(scratch.path + "/continued/t-tree0.json")
        #expect(tree.history.count == 2, "the reloaded tree's history, then this run's")
        var tooDeep = job
        tooDeep.parameters.maxDepth = 4
        tooDeep.reloadTemplate = continued.reloadTemplate
        #expect(throws: TreeFileError.self) { try train("again", job: tooDeep) }
    }
}
