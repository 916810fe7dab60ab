import Dataset
import Foundation
import RDTCore

/// The files of a job's folder: each tree's glimpse JSON and its .rdt beside it, report.json and
/// checkpoint.json. The only place their names are made.
public enum ForestFiles {
    /// Today's date as `{date}` in out_file templates (YYYYMMDD, UTC).
    public static func today() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// The folder of `job` under `root`.
    public static func directory(root: String, job: TrainingJob) -> String { root + "/" + job.name }

    public static func report(in directory: String) -> String { directory + "/report.json" }
    public static func checkpoint(in directory: String) -> String { directory + "/checkpoint.json" }

    /// Where a tree's .rdt goes beside its JSON file: NAME.json -> NAME.rdt, any other name gets
    /// .rdt appended.
    public static func rdtPath(forJSON json: String) -> String {
        json.hasSuffix(".json") ? String(json.dropLast(5)) + ".rdt" : json + ".rdt"
    }

    /// Every file of a written forest: each tree's JSON, then its .rdt.
    public static func files(ofJSON jsons: [String]) -> [String] { jsons.flatMap { [$0, rdtPath(forJSON: $0)] } }

    /// Writes every tree (JSON + .rdt) into `directory`, all or nothing (a failure leaves none of
    /// the new files); returns the JSON paths.
    @discardableResult
    public static func write(_ trees: [DecisionTree], job: TrainingJob, directory: String, date: String) throws -> [String] {
        try AtomicFile.makeDirectory(directory)
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
    public static func finished(directory: String, job: TrainingJob) -> [String]? {
        guard !FileManager.default.fileExists(atPath: checkpoint(in: directory)),
            let data = FileManager.default.contents(atPath: report(in: directory)),
            let report = try? JSON.parse([UInt8](data)), report["job"]?.stringValue == job.name,
            let names = report["files"]?.arrayValue?.compactMap(\.stringValue), names.count == 2 * job.trees
        else { return nil }
        let paths = names.map { directory + "/" + $0 }
        return paths.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? paths : nil
    }
}
