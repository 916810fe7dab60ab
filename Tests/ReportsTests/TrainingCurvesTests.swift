import Drawing
import Foundation
import RDTCore
import TestSupport
import Testing
import Training

@testable import Reports

@Suite struct TrainingCurvesTests {
    /// A tree with a canopy history of three levels, as training writes it.
    static func tree() throws -> DecisionTree {
        var tree = DecisionTree(depth: 3, labels: [LabelInfo(name: "background"), LabelInfo(name: "neck")], verticalFOV: 1)
        let levels = try JSON.parse(
            Array(
                """
                [{"level": 0, "open_nodes": 1, "splits": 1, "leaves": 0, "pixels": 4000, "max_gain": 0.9, "mean_gain": 0.9},
                 {"level": 1, "open_nodes": 2, "splits": 1, "leaves": 1, "pixels": 4000, "max_gain": 0.5, "mean_gain": 0.3},
                 {"level": 2, "open_nodes": 2, "splits": 0, "leaves": 2, "pixels": 1500, "max_gain": 0, "mean_gain": 0}]
                """.utf8))
        tree.history = [
            .object([
                ("tool", .string("canopy")), ("job", .object([("name", .string("demo"))])), ("tree", .int(0)),
                ("index", .string("train")), ("index_frames", .int(40)), ("levels", levels),
            ])
        ]
        return tree
    }

    @Test func levelsComeFromTheHistoryAndTimesFromTheReportKeyedByLevel() throws {
        let dir = try TemporaryDirectory()
        // A resumed run: report.json times levels 1 and 2 only and has bytes for level 2 only.
        let report = """
            {"mode": "cluster", "seconds": 3.5, "workers": 2, "levels": [{"seconds": 1.25}, {"seconds": 2.0}, {"seconds": 0.25}],
             "bytes_by_level": {"2": 2097152}}
            """
        try Data(report.utf8).write(to: URL(fileURLWithPath: ForestFiles.report(in: dir.path)))
        let curves = try TrainingCurves(tree: Self.tree(), path: dir.path + "/tree0.json")
        #expect(curves.levels.map(\.splits) == [1, 1, 0])
        #expect(curves.levels.map(\.pixels) == [4000, 4000, 1500])
        #expect(curves.levels.map(\.seconds) == [1.25, 2.0, 0.25])
        #expect(curves.levels.map(\.mebibytes) == [nil, nil, 2.0])
        #expect(curves.title.contains("job demo") && curves.title.contains("40 frames"))
        #expect(curves.runSummary == "mode cluster, 3.5 s, 2 workers")
        let chart = curves.chart()
        #expect(chart.height == 5 * 190, "nodes, pixels, gain, seconds and MiB panels")
    }

    @Test func aTreeWithoutCanopyHistoryIsSaidInOneLine() throws {
        let tree = DecisionTree(depth: 1, labels: [LabelInfo(name: "background")], verticalFOV: 1)
        #expect(throws: ReportError.self) { try TrainingCurves(tree: tree, path: "glimpse.json") }
        do {
            _ = try TrainingCurves(tree: tree, path: "glimpse.json")
        } catch {
            #expect("\(error)" == "glimpse.json: no canopy training history in this tree (trained by another tool?)")
        }
        let curves = try TrainingCurves(tree: Self.tree(), path: "/nonexistent/tree0.json")
        #expect(curves.report == nil && curves.levels.allSatisfy { $0.seconds == nil })
        #expect(curves.chart().height == 3 * 190, "no time or bytes panels without report.json")
    }
}
