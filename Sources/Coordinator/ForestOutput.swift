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

    /// Adds the deterministic history records to each tree.
    public static func annotate(_ trees: inout [DecisionTree], job: TrainingJob, indexSizes: [Int], levels: [LevelRecord]) {
        var params = job.json
        if case .object(let m) = params { params = .object(m.filter { $0.0 != "data_dir" }) }
        let levelJSON = JSON.array(levels.map { r in
            guard case .object(let m) = r.json else { return .null }
            return .object(m.filter { $0.0 != "seconds" })
        })
        for t in trees.indices {
            trees[t].history = [.object([
                ("tool", .string("canopy")), ("job", params), ("tree", .int(t)),
                ("index", .string(job.indexName(tree: t))), ("index_frames", .int(indexSizes[t])),
                ("levels", levelJSON),
            ])]
        }
    }

    /// Writes every tree (JSON + .rdt) into `directory`; returns the JSON paths.
    @discardableResult
    public static func write(_ trees: [DecisionTree], job: TrainingJob, directory: String, date: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try trees.enumerated().map { t, tree in
            let json = directory + "/" + job.outFile(tree: t, date: date)
            try TreeFile.save(tree, to: json)
            let rdt = json.hasSuffix(".json") ? String(json.dropLast(5)) + ".rdt" : json + ".rdt"
            try TreeFile.save(tree, to: rdt)
            return json
        }
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
                                     kernel: HistogramKernel(threads: threads))
        try TrainingSetLoader.load(manifest: manifest, frames: uses.frames, uses: uses, into: data)
        guard data.sampleCount > 0 else { throw TrainingDataError.noPixels }
        let grower = ForestGrower(parameters: params, candidates: candidates, labelCount: manifest.labelMap.count)
        var levels: [LevelRecord] = []
        grower.onLevel = { levels.append($0); onLevel($0) }
        var trees = try grower.grow(labels: manifest.labelMap.labels, camera: camera, source: data)
        ForestOutput.annotate(&trees, job: job, indexSizes: indexes.map(\.count), levels: levels)
        return (trees, levels)
    }
}

/// The state after a level, written atomically to `DIR/checkpoint.json` (DESIGN §6): the job, the
/// level reached, every tree so far (glimpse JSON; nodes not yet trained are `{}`) and the open
/// nodes with their label counts. A restarted coordinator resumes from it; workers rebuild which
/// pixel sits in which node by routing their pixels through the partial trees.
public enum Checkpoint {
    public static func json(_ state: GrowthState, job: TrainingJob) throws -> JSON {
        let trees = try state.trees.map { try JSON.parse(TreeFile.encodeJSON($0)) }
        let open = JSON.array(state.open.keys.sorted().map { key in
            .object([("tree", .int(key.tree)), ("node", .int(key.node)),
                     ("counts", (state.open[key] ?? nil).map { .array($0.map { JSON.int($0) }) } ?? .null)])
        })
        return .object([("format", .string("canopy-checkpoint-1")), ("job", job.json), ("level", .int(state.level)),
                        ("trees", .array(trees)), ("open", open)])
    }

    public static func write(_ state: GrowthState, job: TrainingJob, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(Array(try json(state, job: job).serialized(pretty: false).utf8), to: directory + "/checkpoint.json")
    }

    /// Reads a checkpoint back into a growth state (trees and open nodes).
    public static func read(_ path: String) throws -> GrowthState {
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
        return GrowthState(level: level, trees: trees, open: open)
    }
}
