import ArgumentParser
import Foundation
import ImagePipeline
import RDTCore
import Reports

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a forest's training history per level, draw its training curves as a PNG, optionally as an HTML page.")

    @Argument(help: "A tree file of the forest (.json or .rdt); report.json beside it adds times and bytes.") var forest: String
    @Option(help: "The chart (default: beside the tree, NAME-training.png).") var png: String?
    @Flag(help: "Also write a self-contained HTML page of the training (NAME-training.html, or --html-out).") var html = false
    @Option(help: "Where --html writes the page (default: beside the tree, NAME-training.html).") var htmlOut: String?

    func validate() throws {
        if htmlOut != nil && !html { throw ValidationError("--html-out names the page of --html; add --html") }
    }

    func run() throws {
        let tree = try TreeFile.load(forest)
        let curves = try TrainingCurves(tree: tree, path: forest)
        print(curves.title)
        if let summary = curves.runSummary { print(summary) }
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
        for l in curves.levels {
            let own = treeCounts(l.level)
            print(
                String(
                    format: "%5d %6d %7d %7d %10d %9.3f %10.3f", l.level, l.openNodes, l.splits, l.leaves, l.pixels, l.maxGain, l.meanGain)
                    + (l.seconds.map { String(format: " %9.2f", $0) } ?? "         -")
                    + (l.mebibytes.map { String(format: " %13.1f", $0) } ?? "             -")
                    + String(format: " %7d %6d", own.0, own.1))
        }
        let stem = (forest as NSString).deletingPathExtension
        let out = png ?? stem + "-training.png"
        try PNGImage(curves.chart()).write(out)
        print("chart: \(out) (one panel per quantity: nodes, pixels, gain, seconds, MiB moved per level)")
        if html {
            let page = htmlOut ?? stem + "-training.html"
            let chart = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
            try AtomicFile.write(Array(TrainingSection.page(curves, chartPNG: chart).utf8), to: page)
            print("page: \(page)")
        }
    }
}
