import ArgumentParser
import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Training

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a forest's training history per level and draw its training curves as a PNG.")

    @Argument(help: "A tree file of the forest (.json or .rdt); report.json beside it adds times and bytes.") var forest: String
    @Option(help: "The chart (default: beside the tree, NAME-training.png).") var png: String?

    func run() throws {
        let tree = try TreeFile.load(forest)
        guard let history = tree.history.last(where: { $0["tool"]?.stringValue == "canopy" }),
            let levels = history["levels"]?.arrayValue, !levels.isEmpty
        else {
            throw CommandFailure("\(forest): no canopy training history in this tree (trained by another tool?)")
        }
        let dir = URL(fileURLWithPath: forest).deletingLastPathComponent().path
        let report = FileManager.default.contents(atPath: ForestFiles.report(in: dir)).flatMap { try? JSON.parse([UInt8]($0)) }
        let timed = report?["levels"]?.arrayValue ?? []
        // Bytes moved, keyed by level (a resumed job has none for the levels before it resumed).
        let bytes = report?["bytes_by_level"]
        print(
            "job \(history["job"]?["name"]?.stringValue ?? "?"), tree \(history["tree"]?.intValue ?? 0), index \(history["index"]?.stringValue ?? "?") (\(history["index_frames"]?.intValue ?? 0) frames)"
        )
        if let report {
            print(
                "mode \(report["mode"]?.stringValue ?? "?"), \(String(format: "%.1f", report["seconds"]?.doubleValue ?? 0)) s"
                    + (report["workers"]?.intValue.map { ", \($0) workers" } ?? "")
                    + (report["workers_lost"]?.intValue.map { $0 > 0 ? ", \($0) workers lost" : "" } ?? ""))
        }
        // This tree's own splits and leaves per level, from its nodes; the rest is forest-wide.
        func treeCounts(_ level: Int) -> (Int, Int) {
            let lo = (1 << level) - 1, hi = min(tree.nodes.count, (1 << (level + 1)) - 1)
            guard lo < hi else { return (0, 0) }
            return tree.nodes[lo..<hi].reduce((0, 0)) { acc, n in
                switch n {
                case .split: return (acc.0 + 1, acc.1)
                case .leaf: return (acc.0, acc.1 + 1)
                case .untrained: return acc
                }
            }
        }
        print("        forest-wide                                                                  this tree")
        print("level   open  splits  leaves     pixels  max gain  mean gain   seconds     MiB moved  splits leaves")
        var rows: [[Double]] = []
        for (i, l) in levels.enumerated() {
            let seconds = i < timed.count ? timed[i]["seconds"]?.doubleValue : nil
            let moved = bytes?[String(l["level"]?.intValue ?? i)]?.intValue.map { Double($0) / 1_048_576 }
            let row = [
                Double(l["level"]?.intValue ?? i), Double(l["open_nodes"]?.intValue ?? 0), Double(l["splits"]?.intValue ?? 0),
                Double(l["leaves"]?.intValue ?? 0), Double(l["pixels"]?.intValue ?? 0), l["max_gain"]?.doubleValue ?? 0,
                l["mean_gain"]?.doubleValue ?? 0, seconds ?? 0, moved ?? 0,
            ]
            rows.append(row)
            print(
                String(format: "%5.0f %6.0f %7.0f %7.0f %10.0f %9.3f %10.3f", row[0], row[1], row[2], row[3], row[4], row[5], row[6])
                    + (seconds.map { String(format: " %9.2f", $0) } ?? "         -")
                    + (moved.map { String(format: " %13.1f", $0) } ?? "             -")
                    + String(format: " %7d %6d", treeCounts(Int(row[0])).0, treeCounts(Int(row[0])).1))
        }
        let out = png ?? (forest as NSString).deletingPathExtension + "-training.png"
        try TrainingChart.draw(rows, to: out)
        print(
            "chart: \(out) (top left: splits and leaves; top right: pixels; bottom left: max and mean gain; bottom right: seconds and MiB per level)"
        )
    }
}
