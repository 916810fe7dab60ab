import Drawing
import Foundation
import RDTCore
import Training

/// A forest's training per level, from a tree's canopy history (what was decided) and the
/// report.json beside it (how long it took, how many bytes moved), for tables and charts.
public struct TrainingCurves: Sendable {
    /// One level, forest-wide; `seconds` and `mebibytes` are nil where report.json has none
    /// (no report, or levels before a resume).
    public struct Level: Sendable, Equatable {
        public var level: Int
        public var openNodes: Int
        public var splits: Int
        public var leaves: Int
        public var pixels: Int
        public var maxGain: Double
        public var meanGain: Double
        public var seconds: Double?
        public var mebibytes: Double?
    }

    public var levels: [Level]
    /// The tree's history record: job name, tree, index.
    public var history: JSON
    /// report.json beside the tree, where there is one.
    public var report: JSON?

    /// Reads the curves of the tree at `path` (.json or .rdt).
    public init(treeAt path: String) throws {
        try self.init(tree: TreeFile.load(path), path: path)
    }

    /// The curves of `tree`, read from `path`. A .rdt tree carries no history: the .json that
    /// training wrote beside it does.
    public init(tree: DecisionTree, path: String) throws {
        var records = tree.history
        let twin = (path as NSString).deletingPathExtension + ".json"
        if records.isEmpty, path.hasSuffix(".rdt"), FileManager.default.fileExists(atPath: twin) {
            records = try TreeFile.load(twin).history
        }
        guard let history = records.last(where: { $0["tool"]?.stringValue == "canopy" }),
            let levels = history["levels"]?.arrayValue, !levels.isEmpty
        else {
            throw ReportError("\(path): no canopy training history in this tree (trained by another tool?)")
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let report = FileManager.default.contents(atPath: ForestFiles.report(in: dir)).flatMap { try? JSON.parse([UInt8]($0)) }
        let timed = report?["levels"]?.arrayValue ?? []
        // Bytes moved are keyed by level: a resumed job has none for the levels before it resumed.
        let bytes = report?["bytes_by_level"]
        self.history = history
        self.report = report
        self.levels = levels.enumerated().map { i, l in
            let level = l["level"]?.intValue ?? i
            return Level(
                level: level, openNodes: l["open_nodes"]?.intValue ?? 0, splits: l["splits"]?.intValue ?? 0,
                leaves: l["leaves"]?.intValue ?? 0, pixels: l["pixels"]?.intValue ?? 0, maxGain: l["max_gain"]?.doubleValue ?? 0,
                meanGain: l["mean_gain"]?.doubleValue ?? 0, seconds: i < timed.count ? timed[i]["seconds"]?.doubleValue : nil,
                mebibytes: bytes?[String(level)]?.intValue.map { Double($0) / 1_048_576 })
        }
    }

    /// One line naming the job, tree and index.
    public var title: String {
        "job \(history["job"]?["name"]?.stringValue ?? "?"), tree \(history["tree"]?.intValue ?? 0), index \(history["index"]?.stringValue ?? "?") (\(history["index_frames"]?.intValue ?? 0) frames)"
    }

    /// One line on how the run went, from report.json (nil without one).
    public var runSummary: String? {
        guard let report else { return nil }
        return "mode \(report["mode"]?.stringValue ?? "?"), \(String(format: "%.1f", report["seconds"]?.doubleValue ?? 0)) s"
            + (report["workers"]?.intValue.map { ", \($0) workers" } ?? "")
            + (report["workers_lost"]?.intValue.map { $0 > 0 ? ", \($0) workers lost" : "" } ?? "")
    }

    /// The chart: one panel per quantity (nodes, pixels, gain, seconds, MiB moved), curves of one
    /// quantity on one scale.
    public func chart() -> Canvas {
        let blue = RGB(31, 119, 180), orange = RGB(255, 127, 14), green = RGB(44, 160, 44), red = RGB(214, 39, 40)
        let purple = RGB(148, 103, 189)
        var panels = [
            ChartPanel(
                title: "Nodes per level", unit: "nodes",
                series: [
                    ChartSeries(name: "open", colour: blue, values: levels.map { Double($0.openNodes) }),
                    ChartSeries(name: "split", colour: orange, values: levels.map { Double($0.splits) }),
                    ChartSeries(name: "leaves", colour: green, values: levels.map { Double($0.leaves) }, dashed: true),
                ]),
            ChartPanel(
                title: "Pixels reaching the level", unit: "pixels",
                series: [ChartSeries(name: "pixels", colour: blue, values: levels.map { Double($0.pixels) })]),
            ChartPanel(
                title: "Information gain of the chosen splits", unit: "gain (bits)",
                series: [
                    ChartSeries(name: "max", colour: red, values: levels.map(\.maxGain)),
                    ChartSeries(name: "mean", colour: purple, values: levels.map(\.meanGain), dashed: true),
                ]),
        ]
        if levels.contains(where: { $0.seconds != nil }) {
            panels.append(
                ChartPanel(
                    title: "Time per level", unit: "seconds",
                    series: [ChartSeries(name: "seconds", colour: green, values: levels.map(\.seconds))]))
        }
        if levels.contains(where: { $0.mebibytes != nil }) {
            panels.append(
                ChartPanel(
                    title: "Bytes moved between processes", unit: "MiB",
                    series: [ChartSeries(name: "MiB", colour: orange, values: levels.map(\.mebibytes))]))
        }
        return LineChart.draw(panels: panels, x: levels.map { Double($0.level) }, xTitle: "tree level")
    }
}
