import Foundation
import RDTCore
import TestSupport
import Testing

@testable import Training

@Suite struct TrainingJobTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func glimpseTemplateLoadsAsItIs() throws {
        let jobs = try TrainingJob.load(Self.root + "/reference/glimpse/training-job-templates/iphone-x-training.json")
        #expect(jobs.count == 1)
        let job = jobs[0]
        #expect(job.name == "iphone-x-training" && job.trees == 3)
        #expect(job.parameters.uvRange == 0.65 && job.parameters.thresholdRange == 0.68 && job.parameters.thresholdPower == 2)
        #expect(job.parameters.histogramMemory == 8_000_000)
        // As glimpse's gen-jobs: {job} is the tree's number, {index} its index name, {date} the date.
        #expect(job.indexNames == ["tree-0", "tree-1", "tree-2"])
        #expect(job.outFile(tree: 1, date: "20261122") == "iphone-x-20261122-tree-1.json")
    }

    @Test func badJobsAreOneLineNamingTheFile() throws {
        let dir = NSTemporaryDirectory() + "canopy-jobs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text, mentions) in [
            ("same-index.json", "{\"n_trees\": 2, \"index_name\": \"tree\"}", "same index"),
            ("depth.json", "{\"max_depth\": 99}", "max_depth"),
            ("names.json", "[{\"name\": \"a\"}, {\"name\": \"a\"}]", "share a name"),
            ("syntax.json", "{\"n_trees\": ", "JSON syntax error"),
        ] {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            do {
                _ = try TrainingJob.load(dir + "/" + name)
                Issue.record("\(name) loaded")
            } catch {
                #expect("\(error)".hasPrefix(dir + "/" + name) && "\(error)".contains(mentions), "\(error)")
            }
        }
    }

    @Test func checkpointRoundTripsPartialTreesAndOpenNodes() throws {
        var tree = DecisionTree(depth: 4, labels: [LabelInfo(name: "bg"), LabelInfo(name: "a")], verticalFOV: 0.7)
        tree.nodes[0] = .split(uv: SIMD4(1, 2, 3, 4), thresholdMM: 125)
        tree.nodes[1] = .leaf([0.25, 0.75])
        let state = GrowthState(level: 2, trees: [tree], open: [NodeKey(tree: 0, node: 2): [3, 9]])
        let dir = NSTemporaryDirectory() + "canopy-ckpt-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var levels = [LevelRecord(level: 0), LevelRecord(level: 1)]
        levels[1].maxGain = 0.123456789012345
        levels[1].pixels = 77
        let job = TrainingJob(name: "j", trees: 1)
        try Checkpoint.write(state, levels: levels, job: job, directory: dir)
        let (back, backLevels, _) = try Checkpoint.read(dir + "/checkpoint.json")
        #expect(back.level == 2 && back.trees == [tree])
        #expect(back.open[NodeKey(tree: 0, node: 2)] == .some([3, 9]))
        #expect(backLevels == levels)
        #expect(try Checkpoint.resume(directory: dir, job: job)?.levels == levels)
        // A checkpoint of another job definition is refused, naming the file.
        #expect(throws: CheckpointError.self) { try Checkpoint.resume(directory: dir, job: TrainingJob(name: "j", trees: 2)) }
        #expect(try Checkpoint.resume(directory: dir + "/nothing-here", job: job) == nil)
        // Other budgets (another cluster config) resume: they never change the forest.
        var budgets = job
        budgets.parameters.histogramMemory = 3 << 20
        budgets.parameters.histogramCacheMemory = 0
        #expect(try Checkpoint.resume(directory: dir, job: budgets)?.levels == levels)
        var deeper = job
        deeper.parameters.maxDepth = 7
        #expect(throws: CheckpointError.self) { try Checkpoint.resume(directory: dir, job: deeper) }
    }

    /// The trees' history holds what determines them: the budgets and the data folder stay out.
    @Test func historyLeavesOutBudgetsAndDataFolder() throws {
        var job = TrainingJob(name: "j", trees: 1, dataset: "/somewhere")
        var other = job
        other.parameters.histogramMemory = 1
        other.parameters.histogramCacheMemory = 0
        other.dataset = "/elsewhere"
        var a = [DecisionTree(depth: 2, labels: [LabelInfo(name: "bg"), LabelInfo(name: "a")], verticalFOV: 0.7)]
        var b = a
        ForestHistory.annotate(&a, job: job, indexSizes: [5], levels: [LevelRecord(level: 0)])
        ForestHistory.annotate(&b, job: other, indexSizes: [5], levels: [LevelRecord(level: 0)])
        #expect(a == b)
        let text = TreeFile.encodeJSON(a[0])
        #expect(text.contains("\"max_depth\"") && !text.contains("uvt_histograms_mem") && !text.contains("data_dir"))
        job.parameters.maxDepth = 5
        var c = [DecisionTree(depth: 2, labels: [LabelInfo(name: "bg"), LabelInfo(name: "a")], verticalFOV: 0.7)]
        ForestHistory.annotate(&c, job: job, indexSizes: [5], levels: [LevelRecord(level: 0)])
        #expect(c != a)
    }

    /// A forest is published all or nothing: when one file cannot be written (here its temporary
    /// name is taken by a folder, as a full disk would fail it), no tree of the forest appears.
    @Test func aForestIsWrittenAllOrNothing() throws {
        let dir = NSTemporaryDirectory() + "canopy-forest-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let job = TrainingJob(name: "j", trees: 2, outFile: "forest-{index}")
        let trees = (0..<2).map { _ in DecisionTree(depth: 2, labels: [LabelInfo(name: "bg"), LabelInfo(name: "a")], verticalFOV: 0.7) }
        try FileManager.default.createDirectory(
            atPath: AtomicFile.temporaryName(dir + "/forest-tree1.rdt"),
            withIntermediateDirectories: true)
        #expect(throws: FileWriteError.self) { try ForestFiles.write(trees, job: job, directory: dir, date: "D") }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left == [(AtomicFile.temporaryName(dir + "/forest-tree1.rdt") as NSString).lastPathComponent], "\(left)")
        try FileManager.default.removeItem(atPath: AtomicFile.temporaryName(dir + "/forest-tree1.rdt"))
        let written = try ForestFiles.write(trees, job: job, directory: dir, date: "D")
        #expect(written == [dir + "/forest-tree0", dir + "/forest-tree1"])
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: dir))
                == ["forest-tree0", "forest-tree0.rdt", "forest-tree1", "forest-tree1.rdt"])
    }
}

/// Job files read strictly, glimpse's as they are.
@Suite struct StrictJobFileTests {
    func load(_ text: String) throws -> [TrainingJob] {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/jobs.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try TrainingJob.load(path)
    }

    func message(_ text: String) -> String {
        do {
            _ = try load(text)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func aTypoOrAnUnsupportedGlimpseKeyIsRefusedByName() {
        #expect(message(#"{"max_dpth": 3}"#).contains(#"unknown key "max_dpth" in the training job jobs; did you mean "max_depth"?"#))
        #expect(message(#"{"reload": 3}"#).contains("reload must be a string"))
        for key in ["pretty", "n_threads", "max_nodes"] {
            #expect(message("{\"\(key)\": 1}").contains("\"\(key)\" in the training job"), "\(key)")
        }
        #expect(message(#"{"n_trees": "3"}"#).contains("n_trees must be an integer"))
        #expect(message(#"{"verbose": true}"#) == "accepted")
    }

    @Test func aGlimpseJobQueueGivesOneTreePerJobWithItsLiteralNames() throws {
        let jobs = try load(
            """
            // written by glimpse-build-training-jobs.py
            [ {"index_name": "tree0", "out_file": "tree0.json", "max_depth": 10},
              {"index_name": "tree1", "out_file": "tree1.json", "max_depth": 10} ]
            """)
        #expect(jobs.map(\.trees) == [1, 1])
        #expect(jobs.map(\.indexNames) == [["tree0"], ["tree1"]])
        #expect(jobs.map { $0.outFile(tree: 0, date: "D") } == ["tree0.json", "tree1.json"])
        #expect(jobs.map(\.name) == ["jobs-0", "jobs-1"])
        #expect(try load(#"{"index_name": "t{job}"}"#)[0].trees == 3, "a template keeps the default of 3 trees")
    }
}
