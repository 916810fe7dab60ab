import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Testing

@Suite(.serialized, .timeLimit(.minutes(5))) struct EvalJointsTests {
    /// A forest that says label 5 everywhere: every body pixel of truth t lands in column 5 (or in
    /// column 0 where its depth is no reading / background), so the whole matrix is known.
    @Test func evalOfAConstantForestGivesTheKnownConfusionMatrix() throws {
        let fx = try TrainingFixture(frames: 6)
        defer { fx.remove() }
        let manifest = try DatasetManifest(root: fx.dir + "/data")
        let labels = manifest.labelMap.count
        var probabilities = [Float](repeating: 0, count: labels)
        probabilities[5] = 1
        var tree = DecisionTree(
            depth: 1, labels: manifest.labelMap.labels, verticalFOV: manifest.camera!.verticalFOV,
            backgroundDepthMM: manifest.backgroundDepthMM)
        tree.nodes = [.leaf(probabilities)]
        try TreeFile.save(tree, to: fx.dir + "/constant.rdt")
        // The expected matrix, straight from the shards.
        var expected = [Int](repeating: 0, count: labels * labels)
        let byID = Dictionary(manifest.frames.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for id in try manifest.index("tree0") {
            let entry = try #require(byID[id])
            let frame = try ShardReader(path: fx.dir + "/data/shards/" + entry.shard).frame(entry.index)
            let (depth, truth) = Pictures.uncrop(frame, background: UInt16(manifest.backgroundDepthMM))
            for (d, t) in zip(depth, truth) where t != 0 {
                expected[Int(t) * labels + (d == 0 || Int(d) >= manifest.backgroundDepthMM ? 0 : 5)] += 1
            }
        }
        let r = try fx.canopy.run([
            "eval", "--forest", fx.dir + "/constant.rdt", "--data", fx.dir + "/data", "--index", "tree0",
            "--out", fx.dir + "/eval", "--json", "--progress",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // --progress: lines with an ETA on stderr, the last one at 100%.
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("eval: ") }
        #expect(progress.last?.contains("(100%)") == true && progress.allSatisfy { $0.contains("ETA") }, "\(r.stderr)")
        let csv = try String(contentsOfFile: fx.dir + "/eval/confusion.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let got = csv.flatMap { $0.split(separator: ",").dropFirst().map { Int($0) ?? -1 } }
        #expect(got == expected)
        let total = expected.reduce(0, +)
        let supported = (0..<labels).filter { t in (0..<labels).contains { expected[t * labels + $0] > 0 } }
        let report = try JSON.parse(r.stdout)
        let hits = Double(expected[5 * labels + 5])
        let pixelAccuracy = hits / Double(total)
        let support5 = Double(expected[(5 * labels)..<(6 * labels)].reduce(0, +))
        let meanClass: Double = supported.contains(5) ? hits / support5 / Double(supported.count) : 0
        let gotPixel: Double = report["pixel_accuracy"]?.doubleValue ?? -1
        let gotMean: Double = report["mean_class_accuracy"]?.doubleValue ?? -1
        #expect(abs(gotPixel - pixelAccuracy) < 1e-9, "\(gotPixel) vs \(pixelAccuracy)")
        #expect(abs(gotMean - meanClass) < 1e-9, "\(gotMean) vs \(meanClass)")
        // The forest predicts label 5 everywhere: per-label counts, precision and IoU follow.
        let five = report["per_label"]?.arrayValue?[5]
        #expect(five?["pixels"]?.intValue == Int(support5) && five?["predicted_pixels"]?.intValue == total, "\(five?.serialized() ?? "")")
        #expect(abs((five?["precision"]?.doubleValue ?? -1) - hits / Double(total)) < 1e-9)
        #expect(abs((five?["iou"]?.doubleValue ?? -1) - hits / (support5 + Double(total) - hits)) < 1e-9)
        let frames = report["per_frame"]?.arrayValue ?? []
        #expect(frames.count == report["frames"]?.intValue && frames.allSatisfy { $0["pixel_accuracy"]?.doubleValue != nil })
        // The heat map is labels x labels cells and decodes; the comparison picture too.
        let heat = try PNGImage.read(fx.dir + "/eval/confusion.png")
        #expect(heat.width > labels * 16 && heat.height > labels * 16 && heat.channels == 3)
        #expect(try PNGImage.read(fx.dir + "/eval/labels.png").channels == 3)
        #expect(try PNGImage.read(fx.dir + "/eval/worst-frames.png").channels == 3)
        let page = try String(contentsOfFile: fx.dir + "/eval/report.html", encoding: .utf8)
        #expect(page.contains("id=\"per-label\"") && page.contains(manifest.labelMap.names[5]))
    }

    /// Render -> preprocess -> train -> train-joints -> infer with joints, and the report chart.
    @Test func jointsAreFittedOnRenderedTruthAndDrawnOnTheOverlay() throws {
        let canopy = try CanopyBinary()
        let dir = NSTemporaryDirectory() + "canopy-joints-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = PipelineTests.root
        let map = root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json"
        for args in [
            ["render", "--out", dir + "/raw", "--built-in-frames", "30"],
            ["preprocess", dir + "/raw", dir + "/data", "--label-map", map],
            ["preprocess", dir + "/raw", dir + "/data", "--label-map", map, "--merge"],
            ["index", dir + "/data", "-i", "tree0", "60"],
        ] {
            let r = try canopy.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        let job = """
            {"name": "j", "n_trees": 1, "index_name": "tree{job}", "out_file": "j-{index}.json",
             "n_pixels": 800, "n_uvs": 300, "n_thresholds": 21, "max_depth": 12}
            """
        try job.write(toFile: dir + "/job.json", atomically: true, encoding: .utf8)
        let train = try canopy.run(["train", "--data", dir + "/data", "--job", dir + "/job.json", "--workers", "0", "--out", dir + "/f"])
        #expect(train.status == 0, "\(train.stderr)")
        let tree = dir + "/f/j/j-tree0.json"
        let jointMap = root + "/reference/glimpse/joint-maps/2018-08-joint-map.json"
        let fit = try canopy.run([
            "train-joints", "--forest", tree, "--joint-map", jointMap, "--raw", dir + "/raw", "--max-frames", "8",
            "--out", dir + "/params.json",
        ])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("mean-shift: mean error") && fit.stdout.contains("within 0.1 m"), "\(fit.stdout)")
        let params = try JSON.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/params.json")).map { $0 })
        #expect(params["params"]?.arrayValue?.count == 14)
        // Fitted on the forest's own training frames, most joints should be close.
        let error = try #require(params["mean_shift"]?["mean_error_m"]?.doubleValue)
        #expect(error < 0.25, "mean joint error \(error) m")
        let depth = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/raw/depth").sorted().first)
        let infer = try canopy.run([
            "infer", "--forest", tree, "--joint-map", jointMap, "--joint-params", dir + "/params.json",
            "--out", dir + "/i", dir + "/raw/depth/" + depth,
        ])
        #expect(infer.status == 0, "\(infer.stderr)")
        let name = String(depth.dropLast(4))
        let joints = try JSON.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/i/" + name + "-joints.json")).map { $0 })
        #expect(joints["joints"]?.arrayValue?.count == 14)
        let overlay = try PNGImage.read(dir + "/i/" + name + "-overlay.png")
        #expect(overlay.width == 320 && overlay.height == 240 && overlay.channels == 3)
        // The skeleton is drawn: white bone pixels and yellow joint dots exist.
        guard case .u8(let rgb) = overlay.samples else {
            Issue.record("overlay is not 8-bit")
            return
        }
        var white = 0, yellow = 0
        for i in stride(from: 0, to: rgb.count, by: 3) {
            if rgb[i] == 255 && rgb[i + 1] == 255 { if rgb[i + 2] == 255 { white += 1 } else if rgb[i + 2] == 0 { yellow += 1 } }
        }
        #expect(white > 0 && yellow > 0, "white \(white), yellow \(yellow)")
        // The training report: a table per level and a chart.
        let report = try canopy.run(["report", tree, "--png", dir + "/chart.png"])
        #expect(
            report.status == 0 && report.stdout.contains("level   open  splits") && report.stdout.contains("this tree"),
            "\(report.stdout) \(report.stderr)")
        let chart = try PNGImage.read(dir + "/chart.png")
        // One panel per quantity: nodes, pixels, gain and, from report.json, seconds.
        #expect(chart.width == 780 && chart.height >= 4 * 190 && chart.height % 190 == 0, "\(chart.width)x\(chart.height)")
    }
}
