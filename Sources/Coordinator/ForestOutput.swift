import Foundation
import ImagePipeline
import RDTCore

/// Writing a finished forest: per tree a glimpse JSON file and its .rdt beside it, atomically. The
/// trees' `history` holds only what determines them (job parameters, indexes, per-level counts), so
/// the same job gives byte-identical files however it was run; timings go to report.json.
public enum ForestOutput {
    public static func today() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// Per-level fields that describe how a level was computed, not what it decided (timing, and
    /// histograms counted vs derived, which change when a level is redone or resumed); they stay
    /// in report.json and out of the trees.
    static let processFields: Set<String> = ["seconds", "histograms_computed", "histograms_derived"]

    /// Adds the deterministic history records to each tree.
    public static func annotate(_ trees: inout [DecisionTree], job: TrainingJob, indexSizes: [Int], levels: [LevelRecord]) {
        var params = job.identity
        if case .object(let m) = params { params = .object(m.filter { $0.0 != "data_dir" }) }
        let levelJSON = JSON.array(levels.map { r in
            guard case .object(let m) = r.json else { return .null }
            return .object(m.filter { !processFields.contains($0.0) })
        })
        for t in trees.indices {
            trees[t].history = [.object([
                ("tool", .string("canopy")), ("job", params), ("tree", .int(t)),
                ("index", .string(job.indexName(tree: t))), ("index_frames", .int(indexSizes[t])),
                ("levels", levelJSON),
            ])]
        }
    }

    /// Where a tree's .rdt goes beside its JSON file: NAME.json -> NAME.rdt, any other name gets
    /// .rdt appended. The one place the name is made.
    public static func rdtPath(forJSON json: String) -> String {
        json.hasSuffix(".json") ? String(json.dropLast(5)) + ".rdt" : json + ".rdt"
    }

    /// Every file of a written forest: each tree's JSON, then its .rdt.
    public static func files(ofJSON jsons: [String]) -> [String] { jsons.flatMap { [$0, rdtPath(forJSON: $0)] } }

    /// Writes every tree (JSON + .rdt) into `directory`, all or nothing (a failure leaves none of
    /// the new files); returns the JSON paths.
    @discardableResult
    public static func write(_ trees: [DecisionTree], job: TrainingJob, directory: String, date: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [(path: String, bytes: [UInt8])] = []
        let jsons = trees.enumerated().map { t, tree in
            let json = directory + "/" + job.outFile(tree: t, date: date)
            let rdt = rdtPath(forJSON: json)
            files += [(json, TreeFile.encode(tree, for: json)), (rdt, TreeFile.encode(tree, for: rdt))]
            return json
        }
        try AtomicFile.writeAll(files)
        return jsons
    }

    /// The files of a job this folder already holds finished (report.json lists them, all present,
    /// and no checkpoint is pending), or nil.
    public static func finishedFiles(directory: String, job: TrainingJob) -> [String]? {
        guard !FileManager.default.fileExists(atPath: directory + "/checkpoint.json"),
              let data = FileManager.default.contents(atPath: directory + "/report.json"),
              let report = try? JSON.parse([UInt8](data)), report["job"]?.stringValue == job.name,
              let names = report["files"]?.arrayValue?.compactMap(\.stringValue), names.count == 2 * job.trees
        else { return nil }
        let paths = names.map { directory + "/" + $0 }
        return paths.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? paths : nil
    }

    /// report.json: what is not part of the forest (timings, machine, mode).
    public static func writeReport(_ fields: [(String, JSON)], levels: [LevelRecord], directory: String) throws {
        let report = JSON.object(fields + [("levels", .array(levels.map(\.json)))])
        try AtomicFile.write(Array(report.serialized().utf8), to: directory + "/report.json")
    }
}

/// Training in this process alone: the reference path that distributed runs must match byte for byte.
public struct SingleProcessTraining {
    public var job: TrainingJob
    public var datasetRoot: String
    public var threads: Int
    /// Bytes of precomputed bins per thread for small subtrees (0: every node from dense histograms).
    public var smallNodeMemory = LocalTrainingData.defaultSmallNodeMemory
    /// Given the CPU seconds by level at the end, when set (benchmarks).
    public var onCosts: (([Int: LevelCost]) -> Void)?

    public init(job: TrainingJob, datasetRoot: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.job = job
        self.datasetRoot = datasetRoot
        self.threads = threads
    }

    /// Loads the data, grows the forest, returns the annotated trees and the level records.
    public func run(onLevel: @escaping (LevelRecord) -> Void = { _ in }) throws -> (trees: [DecisionTree], levels: [LevelRecord]) {
        let manifest = try DatasetManifest(root: datasetRoot)
        guard let camera = manifest.camera else { throw TrainingDataError.noCamera(datasetRoot) }
        var params = job.parameters
        params.backgroundDepthMM = manifest.backgroundDepthMM
        let indexes = try TrainingSetLoader.indexes(job.indexNames, manifest: manifest)
        let uses = FrameUses(indexes: indexes)
        let candidates = (0..<job.trees).map { Candidates(parameters: params, camera: camera, tree: $0) }
        let data = LocalTrainingData(parameters: params, candidates: candidates, labelCount: manifest.labelMap.count,
                                     kernel: HistogramKernel(threads: threads), smallNodeMemory: smallNodeMemory)
        try TrainingSetLoader.load(manifest: manifest, frames: uses.frames, uses: uses, into: data)
        guard data.sampleCount > 0 else { throw TrainingDataError.noPixels }
        let grower = ForestGrower(parameters: params, candidates: candidates, labelCount: manifest.labelMap.count)
        var levels: [LevelRecord] = []
        grower.onLevel = { levels.append($0); onLevel($0) }
        if onCosts != nil { grower.costs = [:] }
        var trees = try grower.grow(labels: manifest.labelMap.labels, camera: camera, source: data)
        if let onCosts, let costs = grower.costs { onCosts(costs) }
        ForestOutput.annotate(&trees, job: job, indexSizes: indexes.map(\.count), levels: levels)
        return (trees, levels)
    }
}

/// The state after a level, written atomically to `DIR/checkpoint.json` (DESIGN §6): the job, the
/// level reached, every tree so far (glimpse JSON; nodes not yet trained are `{}`) and the open
/// nodes with their label counts. A restarted coordinator resumes from it; workers rebuild which
/// pixel sits in which node by routing their pixels through the partial trees.
public enum Checkpoint {
    public static func json(_ state: GrowthState, levels: [LevelRecord], job: TrainingJob) throws -> JSON {
        let trees = try state.trees.map { try JSON.parse(TreeFile.encodeJSON($0)) }
        let open = JSON.array(state.open.keys.sorted().map { key in
            .object([("tree", .int(key.tree)), ("node", .int(key.node)),
                     ("counts", (state.open[key] ?? nil).map { .array($0.map { JSON.int($0) }) } ?? .null)])
        })
        return .object([("format", .string("canopy-checkpoint-1")), ("job", job.json), ("level", .int(state.level)),
                        ("trees", .array(trees)), ("open", open), ("levels", .array(levels.map(\.json)))])
    }

    public static func write(_ state: GrowthState, levels: [LevelRecord], job: TrainingJob, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Array(try json(state, levels: levels, job: job).serialized(pretty: false).utf8),
                             to: directory + "/checkpoint.json")
    }

    /// The state and level records to resume `job` from, if `directory` holds its checkpoint;
    /// throws if the checkpoint is unreadable or belongs to another job.
    public static func resume(directory: String, job: TrainingJob) throws -> (state: GrowthState, levels: [LevelRecord])? {
        let path = directory + "/checkpoint.json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let (state, levels, saved) = try read(path)
        // The budgets may differ (another cluster config): they never change the forest.
        let savedIdentity = (try? JSON.parse(Array(saved.utf8))).map(TrainingJob.identity(of:))
        guard savedIdentity?.serialized(pretty: false) == job.identity.serialized(pretty: false) else {
            throw TreeFileError.invalid(path: path, problem: "it is a checkpoint of a different job definition; move it away to start \(job.name) afresh")
        }
        guard state.trees.count == job.trees, levels.count == state.level else {
            throw TreeFileError.invalid(path: path, problem: "\(state.trees.count) trees and \(levels.count) level records at level \(state.level)")
        }
        return (state, levels)
    }

    /// Reads a checkpoint back: the growth state (trees and open nodes), the level records and
    /// the job definition (serialized).
    public static func read(_ path: String) throws -> (GrowthState, [LevelRecord], String) {
        func bad(_ p: String) -> TreeFileError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path) else { throw TreeFileError.unreadable(path: path, reason: "missing") }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        guard json["format"]?.stringValue == "canopy-checkpoint-1", let level = json["level"]?.intValue,
              let treeList = json["trees"]?.arrayValue, let openList = json["open"]?.arrayValue else {
            throw bad("not a canopy-checkpoint-1 file")
        }
        let trees = try treeList.map { try TreeFile.decodeJSON(Array($0.serialized(pretty: false).utf8), path: path) }
        var open: [NodeKey: [UInt32]?] = [:]
        for entry in openList {
            guard let t = entry["tree"]?.intValue, let n = entry["node"]?.intValue, t >= 0, t < trees.count, n >= 0,
                  n < trees[t].nodes.count else { throw bad("open node out of range") }
            open[NodeKey(tree: t, node: n)] = .some(entry["counts"]?.arrayValue?.compactMap { $0.intValue.map { UInt32(clamping: $0) } })
        }
        let levels = (json["levels"]?.arrayValue ?? []).compactMap(LevelRecord.init(json:))
        return (GrowthState(level: level, trees: trees, open: open), levels, json["job"]?.serialized(pretty: false) ?? "")
    }
}
