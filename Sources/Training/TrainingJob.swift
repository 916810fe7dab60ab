import Dataset
import Foundation
import RDTCore

/// Errors in job files; one line naming the file.
public enum JobError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, problem: String)
    public var description: String {
        switch self {
        case let .invalid(path, problem): return "\(path): invalid training job: \(problem)"
        }
    }
}

/// A training job: a forest of `trees` trees on one dataset. Read from glimpse-style job files and
/// templates (reference/glimpse/training-job-templates): train_rdt's parameters plus `index_name`
/// and `out_file`, in which, per tree t, `{job}` is t (as in glimpse's gen-jobs, one job per tree),
/// `{index}` the tree's index name, `{date}` the job's date (YYYYMMDD) and `{name}` the job's name.
public struct TrainingJob: Equatable, Sendable {
    public var name: String
    public var parameters: TrainingParameters
    public var trees: Int
    public var indexNameTemplate: String
    public var outFileTemplate: String
    public var dataset: String?
    /// glimpse's `reload`: a tree file (per tree, with the out_file placeholders) whose tree is
    /// continued deeper instead of grown from its root.
    public var reloadTemplate: String?

    public init(
        name: String, parameters: TrainingParameters = TrainingParameters(), trees: Int = 3,
        indexName: String = "tree{job}", outFile: String = "{name}-tree{job}.json", dataset: String? = nil
    ) {
        self.name = name
        self.parameters = parameters
        self.trees = trees
        indexNameTemplate = indexName
        outFileTemplate = outFile
        self.dataset = dataset
    }

    static func fill(_ template: String, tree: Int, index: String?, name: String, date: String) -> String {
        var s = template.replacingOccurrences(of: "{job}", with: String(tree))
        if let index { s = s.replacingOccurrences(of: "{index}", with: index) }
        return s.replacingOccurrences(of: "{date}", with: date).replacingOccurrences(of: "{name}", with: name)
    }

    public func indexName(tree: Int) -> String { Self.fill(indexNameTemplate, tree: tree, index: nil, name: name, date: "") }

    /// The tree's output file name (JSON; the .rdt goes beside it).
    public func outFile(tree: Int, date: String) -> String {
        Self.fill(outFileTemplate, tree: tree, index: indexName(tree: tree), name: name, date: date)
    }

    public var indexNames: [String] { (0..<trees).map(indexName) }

    /// The tree file tree `tree` continues from, if the job reloads.
    public func reloadPath(tree: Int) -> String? {
        reloadTemplate.map { Self.fill($0, tree: tree, index: indexName(tree: tree), name: name, date: "") }
    }

    /// The keys a job object may hold: train_rdt's parameters, Canopy's own, and glimpse's
    /// logging flags (harmless); glimpse keys Canopy does not do are refused by name.
    public static let keys = InputKeys(
        TrainingParameters.keys.union(["name", "n_trees", "index_name", "out_file", "data_dir", "reload"]),
        harmless: ["verbose", "profile"],
        unsupported: [
            "pretty": "Canopy writes compact tree JSON (`canopy export` converts trees); remove the key",
            "n_threads": "set threads with `canopy train --threads` or the cluster config's threads_per_worker; remove the key",
            "max_nodes": "a debugging limit of glimpse's trainer; bound the tree with max_depth instead",
        ])

    /// Reads one job object. Without n_trees, a job whose index_name names one index (no
    /// `{job}`, as glimpse's job queues write them) grows one tree, any other three.
    public init(json: JSON, defaultName: String, path: String) throws {
        func bad(_ p: String) -> JobError { .invalid(path: path, problem: p) }
        try Self.keys.check(json, path: path, what: "training job \(json["name"]?.stringValue ?? defaultName)")
        func string(_ key: String) throws -> String? {
            guard let v = json[key] else { return nil }
            guard let s = v.stringValue else { throw bad("\(key) must be a string") }
            return s
        }
        let params: TrainingParameters
        do { params = try TrainingParameters(json: json) } catch { throw bad("\(error)") }
        let indexName = try string("index_name") ?? "tree{job}"
        let trees: Int
        if let v = json["n_trees"] {
            guard let n = v.intValue else { throw bad("n_trees must be an integer") }
            trees = n
        } else {
            trees = indexName.contains("{job}") ? 3 : 1
        }
        guard (1...64).contains(trees) else { throw bad("n_trees must be 1...64") }
        let name = try string("name") ?? defaultName
        guard !name.isEmpty, !name.contains("/") else { throw bad("the job name must be non-empty and contain no '/'") }
        self.init(
            name: name, parameters: params, trees: trees, indexName: indexName,
            outFile: try string("out_file") ?? "{name}-tree{job}.json", dataset: try string("data_dir"))
        reloadTemplate = try string("reload")
        guard Set(indexNames).count == trees || trees == 1 else {
            throw bad("index_name \"\(indexNameTemplate)\" gives the same index to several trees; use {job}")
        }
        let outs = (0..<trees).map { outFile(tree: $0, date: "D") }
        guard Set(outs).count == trees, outs.allSatisfy({ !$0.contains("/") }) else {
            throw bad("out_file \"\(outFileTemplate)\" must give each tree its own file name (use {job} or {index})")
        }
    }

    /// Reads a job file: one job object, or an array of them (a queue).
    public static func load(_ path: String) throws -> [TrainingJob] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobError.invalid(path: path, problem: "missing or unreadable")
        }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw JobError.invalid(path: path, problem: "\(error)") }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        if let list = json.arrayValue {
            let jobs = try list.enumerated().map { try TrainingJob(json: $1, defaultName: "\(stem)-\($0)", path: path) }
            guard Set(jobs.map(\.name)).count == jobs.count else {
                throw JobError.invalid(path: path, problem: "two jobs share a name")
            }
            return jobs
        }
        return [try TrainingJob(json: json, defaultName: stem, path: path)]
    }

    /// Keys that say how a job is computed, never what it grows (the batching and cache budgets):
    /// left out of the trees' history and of the job's identity at resume.
    public static let processKeys: Set<String> = ["uvt_histograms_mem", "histogram_cache_mem"]

    /// What determines the forest: `json` without `processKeys`.
    public var identity: JSON { Self.identity(of: json) }

    /// `job` (a job's JSON, as a checkpoint holds it) without `processKeys`.
    public static func identity(of job: JSON) -> JSON {
        guard case .object(let members) = job else { return job }
        return .object(members.filter { !processKeys.contains($0.0) })
    }

    /// The job as JSON (for the wire and checkpoints).
    public var json: JSON {
        guard case .object(var members) = parameters.json else { return .null }
        members.insert(("name", .string(name)), at: 0)
        members.append(("n_trees", .int(trees)))
        members.append(("index_name", .string(indexNameTemplate)))
        members.append(("out_file", .string(outFileTemplate)))
        if let dataset { members.append(("data_dir", .string(dataset))) }
        if let reloadTemplate { members.append(("reload", .string(reloadTemplate))) }
        return .object(members)
    }
}
