import ArgumentParser
import Dataset
import Drawing
import Foundation
import ImagePipeline
import RDTCore
import Reports

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Measure a forest on a dataset index: accuracies, per-label table, confusion matrix (CSV, PNG), pictures and a report.html."
    )

    @Option(help: "A tree file of the forest (.json or .rdt), once per tree, or the forest's folder.") var forest: [String]
    @Option(help: "Dataset folder.") var data: String
    @Option(help: "Index to evaluate.") var index = "test"
    @Option(help: "glimpse out-map to aggregate labels through for the report.") var outMap: String?
    @Option(help: "Folder for report.html, confusion.csv, confusion.png, labels.png, worst-frames.png and low-accuracy.txt.")
    var out = "eval"
    @Option(help: "List frames whose pixel accuracy is below this in low-accuracy.txt.") var lowAccuracy = 0.5
    @Flag(help: "Average with the mirrored image (flip test-time augmentation).") var flipTta = false
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Progress lines with an ETA on stderr even when it is not a terminal.") var progress = false

    func validate() throws {
        guard (0...1).contains(lowAccuracy) else { throw ValidationError("--low-accuracy must be 0...1, got \(lowAccuracy)") }
    }

    func run() throws {
        let trees = try TreeFile.loadForest(forest)
        let manifest = try DatasetManifest(root: data)
        guard trees[0].labelCount == manifest.labelMap.count else {
            throw CommandFailure(
                "the forest has \(trees[0].labelCount) labels, the dataset \(manifest.labelMap.count); use a forest trained on this label map"
            )
        }
        // An out-map for another label map fails now, not after the evaluation.
        let aggregation = try outMap.map { path -> LabelMap in
            let map = try LabelMap(contentsOf: path)
            try map.checkOutMap(fits: trees[0].labelCount, path: path)
            return map
        }
        let compiled = CompiledForest(trees)
        let ids = try manifest.index(index)
        // Frames the forest trained on make the accuracy optimistic: said, not hidden.
        let tested = Set(ids)
        for (t, tree) in trees.enumerated() {
            guard let trained = tree.history.last(where: { $0["tool"]?.stringValue == "canopy" })?["index"]?.stringValue,
                trained != index, let trainIDs = try? manifest.index(trained)
            else { continue }
            let shared = tested.intersection(trainIDs).count
            if shared > 0 {
                FileHandle.standardError.write(
                    Data(
                        "canopy eval: warning: \(shared) of the \(tested.count) frames of index \(index) are in index \(trained), which trained tree \(t): the accuracy is optimistic\n"
                            .utf8))
            }
        }
        let byID = Dictionary(manifest.frames.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var matrix = ConfusionMatrix(labels: manifest.labelMap.count)
        var low: [(UInt64, Double)] = []
        var perFrame: [(id: UInt64, name: String, accuracy: Double)] = []
        // The first frames (a sample) and the worst ones, kept as pictures.
        var sample: [Picture] = []
        var worst: [Picture] = []
        var readers: [String: ShardReader] = [:]
        var probs: [Float] = []
        var size: (Int, Int)?
        let start = Date()
        let meter = ProgressMeter("eval", unit: "frames", force: progress)
        for (n, id) in ids.enumerated() {
            meter.update(n, of: ids.count)
            guard let entry = byID[id] else { throw CommandFailure("index \(index) names frame \(id), not in \(data)/manifest.json") }
            let reader = try readers[entry.shard] ?? ShardReader(path: data + "/shards/" + entry.shard)
            readers[entry.shard] = reader
            let frame = try reader.frame(entry.index)
            let (depth, truth) = Pictures.uncrop(frame, background: UInt16(manifest.backgroundDepthMM))
            Inference.probabilities(compiled, depth: depth, width: frame.width, height: frame.height, flip: flipTta, into: &probs)
            let predicted = Inference.labels(probs, labelCount: compiled.labelCount)
            var one = ConfusionMatrix(labels: matrix.labels)
            one.add(truth: truth, predicted: predicted)
            matrix.add(one)
            if one.pixelAccuracy < lowAccuracy { low.append((id, one.pixelAccuracy)) }
            let name = entry.name + (entry.flipped ? " (mirrored)" : "")
            perFrame.append((id, name, one.pixelAccuracy))
            let picture = Picture(name: name, accuracy: one.pixelAccuracy, depth: depth, truth: truth, predicted: predicted)
            if size == nil { size = (frame.width, frame.height) }
            if size! == (frame.width, frame.height) {
                if sample.count < Self.pictured { sample.append(picture) }
                if worst.count < Self.pictured || picture.accuracy < worst[worst.count - 1].accuracy {
                    // Sorted by accuracy, earlier frames first among equals: the same frames every run.
                    worst.insert(picture, at: worst.firstIndex { $0.accuracy > picture.accuracy } ?? worst.count)
                    if worst.count > Self.pictured { worst.removeLast() }
                }
            }
            if !json && (n + 1) % 200 == 0 { print("eval: \(n + 1)/\(ids.count) frames") }
        }
        meter.update(ids.count, of: ids.count)
        try AtomicFile.makeDirectory(out)
        let names = manifest.labelMap.names
        let palette = LabelPalette(names: names)
        try AtomicFile.write(Array(matrix.csv(names: names).utf8), to: out + "/confusion.csv")
        try AtomicFile.write(Array(low.map { "\($0.0)\n" }.joined().utf8), to: out + "/low-accuracy.txt")
        var report = matrix
        var reportNames = names
        if let map = aggregation {
            report = matrix.aggregated(through: map)
            reportNames = map.names
        }
        let reportPalette = LabelPalette(names: reportNames)
        try PNGImage(ConfusionPicture.draw(counts: report.counts, palette: reportPalette)).write(out + "/confusion.png")
        var worstPNG: [UInt8]?
        if let (w, h) = size {
            let rows = { (pictures: [Picture]) in pictures.map { ($0.name, $0.accuracy, $0.depth, $0.truth, $0.predicted) } }
            try PNGImage(
                Pictures.comparison(rows(sample), width: w, height: h, palette: palette, note: "The first frames of index \(index)")
            ).write(out + "/labels.png")
            try PNGImage(
                Pictures.comparison(rows(worst), width: w, height: h, palette: palette, note: "The worst frames of index \(index)")
            ).write(out + "/worst-frames.png")
            worstPNG = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/worst-frames.png")))
        }
        try writePage(
            report: report, palette: reportPalette, perFrame: perFrame.map { ($0.name, $0.accuracy) }, worstPNG: worstPNG,
            firstTree: trees[0])
        let seconds = Date().timeIntervalSince(start)
        if json {
            func number(_ x: Double?) -> JSON { x.map { JSON.double($0) } ?? .null }
            let accuracy = report.perLabelAccuracy, precision = report.perLabelPrecision, iou = report.perLabelIoU
            let perLabel = JSON.array(
                reportNames.indices.map { l in
                    .object([
                        ("label", .string(reportNames[l])), ("pixels", .int(report.support(l))),
                        ("predicted_pixels", .int(report.predicted(l))), ("accuracy", number(accuracy[l])),
                        ("precision", number(precision[l])), ("iou", number(iou[l])),
                    ])
                })
            let frames = JSON.array(
                perFrame.map { .object([("id", .int(Int($0.id))), ("name", .string($0.name)), ("pixel_accuracy", .double($0.accuracy))]) })
            print(
                JSON.object([
                    ("frames", .int(ids.count)), ("pixel_accuracy", .double(report.pixelAccuracy)),
                    ("mean_class_accuracy", .double(report.meanClassAccuracy)), ("per_label", perLabel),
                    ("per_frame", frames),
                    ("low_accuracy_frames", .int(low.count)),
                ]).serialized())
            return
        }
        print(String(format: "eval: %d frames of index %@ in %.1f s", ids.count, index, seconds))
        for (name, acc) in zip(reportNames, report.perLabelAccuracy) {
            if let acc { print(String(format: "  %-20@ %5.1f%%", name, acc * 100)) }
        }
        print(
            String(
                format: "pixel accuracy %.1f%%, mean per-class accuracy %.1f%% (%d frames below %.0f%%)",
                report.pixelAccuracy * 100, report.meanClassAccuracy * 100, low.count, lowAccuracy * 100))
        print(
            "wrote \(out)/report.html, \(out)/confusion.csv, \(out)/confusion.png, \(out)/labels.png, \(out)/worst-frames.png, \(out)/low-accuracy.txt"
        )
    }

    /// How many frames labels.png and worst-frames.png show.
    static let pictured = 4

    /// A frame kept for a picture.
    struct Picture {
        var name: String
        var accuracy: Double
        var depth: [UInt16]
        var truth: [UInt8]
        var predicted: [UInt8]
    }

    /// report.html, with the training curves of the forest's first tree where it has a history.
    func writePage(
        report: ConfusionMatrix, palette: LabelPalette, perFrame: [(name: String, accuracy: Double)], worstPNG: [UInt8]?,
        firstTree: DecisionTree
    ) throws {
        let confusion = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/confusion.png")))
        var training: (TrainingCurves, [UInt8])?
        // A tree without canopy history (trained by glimpse) has no curves; the page says so.
        if let first = try TreeFile.forestPaths(forest).first, let curves = try? TrainingCurves(tree: firstTree, path: first) {
            let chart = out + "/training.png"
            try PNGImage(curves.chart()).write(chart)
            training = (curves, try [UInt8](Data(contentsOf: URL(fileURLWithPath: chart))))
        }
        let evaluation = Evaluation(
            index: index, forest: forest, matrix: report, palette: palette, frames: perFrame, lowAccuracy: lowAccuracy)
        let html = EvaluationPage.html(
            evaluation, confusionPNG: confusion, worstFramesPNG: worstPNG, worstFrames: 10, training: training)
        try AtomicFile.write(Array(html.utf8), to: out + "/report.html")
    }
}
