import Dataset
import Foundation
import RDTCore

/// A checkpoint that cannot be resumed from; one line naming it and what to do.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): not a usable checkpoint: \(problem)" }
}

/// The state after a level, written atomically to `DIR/checkpoint.json`: the job, the
/// level reached, every tree so far (glimpse JSON; nodes not yet trained are `{}`) and the open
/// nodes with their label counts. A restarted coordinator resumes from it; workers rebuild which
/// pixel sits in which node by routing their pixels through the partial trees.
public enum Checkpoint {
    /// The checkpoint's text. Each tree's JSON goes in as `TreeFile` encodes it, without being
    /// parsed again: at depth 20 the trees are most of the bytes, written after every level.
    public static func encode(_ state: GrowthState, levels: [LevelRecord], job: TrainingJob) -> [UInt8] {
        let open = JSON.array(
            state.open.keys.sorted().map { key in
                .object([
                    ("tree", .int(key.tree)), ("node", .int(key.node)),
                    ("counts", (state.open[key] ?? nil).map { .array($0.map { JSON.int($0) }) } ?? .null),
                ])
            })
        var text = "{\"format\":\"canopy-checkpoint-1\",\"job\":" + job.json.serialized(pretty: false)
        text += ",\"level\":\(state.level),\"trees\":["
        text += state.trees.map { TreeFile.encodeJSON($0) }.joined(separator: ",")
        text += "],\"open\":" + open.serialized(pretty: false)
        text += ",\"levels\":" + JSON.array(levels.map(\.json)).serialized(pretty: false) + "}"
        return Array(text.utf8)
    }

    public static func write(_ state: GrowthState, levels: [LevelRecord], job: TrainingJob, directory: String) throws {
        try AtomicFile.makeDirectory(directory)
        try AtomicFile.write(encode(state, levels: levels, job: job), to: ForestFiles.checkpoint(in: directory))
    }

    /// The state and level records to resume `job` from, if `directory` holds its checkpoint;
    /// throws if the checkpoint is unreadable or belongs to another job.
    public static func resume(directory: String, job: TrainingJob) throws -> (state: GrowthState, levels: [LevelRecord])? {
        let path = ForestFiles.checkpoint(in: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let (state, levels, saved) = try read(path)
        // The budgets may differ (another cluster config): they never change the forest.
        let savedIdentity = (try? JSON.parse(Array(saved.utf8))).map(TrainingJob.identity(of:))
        guard savedIdentity?.serialized(pretty: false) == job.identity.serialized(pretty: false) else {
            throw CheckpointError(
                path: path, problem: "it is a checkpoint of a different job definition; move it away to start \(job.name) afresh")
        }
        guard state.trees.count == job.trees, levels.count == state.level else {
            throw CheckpointError(
                path: path, problem: "\(state.trees.count) trees and \(levels.count) level records at level \(state.level)")
        }
        return (state, levels)
    }

    /// Reads a checkpoint back: the growth state (trees and open nodes), the level records and
    /// the job definition (serialized).
    public static func read(_ path: String) throws -> (GrowthState, [LevelRecord], String) {
        func bad(_ p: String) -> CheckpointError { CheckpointError(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("missing or unreadable") }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        guard json["format"]?.stringValue == "canopy-checkpoint-1", let level = json["level"]?.intValue,
            let treeList = json["trees"]?.arrayValue, let openList = json["open"]?.arrayValue
        else {
            throw bad("not a canopy-checkpoint-1 file")
        }
        let trees: [DecisionTree]
        do {
            trees = try treeList.map { try TreeFile.decodeJSON(Array($0.serialized(pretty: false).utf8), path: path) }
        } catch let error as TreeFileError {
            guard case let .invalid(_, problem) = error else { throw bad("\(error)") }
            throw bad("a tree in it: \(problem)")
        }
        var open: [NodeKey: [UInt32]?] = [:]
        for entry in openList {
            guard let t = entry["tree"]?.intValue, let n = entry["node"]?.intValue, t >= 0, t < trees.count, n >= 0,
                n < trees[t].nodes.count
            else { throw bad("open node out of range") }
            open[NodeKey(tree: t, node: n)] = .some(entry["counts"]?.arrayValue?.compactMap { $0.intValue.map { UInt32(clamping: $0) } })
        }
        let levels = (json["levels"]?.arrayValue ?? []).compactMap(LevelRecord.init(json:))
        return (GrowthState(level: level, trees: trees, open: open), levels, json["job"]?.serialized(pretty: false) ?? "")
    }
}
