import Dataset
import Foundation
import ImagePipeline
import RDTCore
import Testing

/// A small dataset on disk: raw frames -> preprocess -> index, made once per test.
struct TrainingFixture {
    let dir: String
    let canopy: CanopyBinary

    init(frames: Int = 12) throws {
        dir = NSTemporaryDirectory() + "canopy-train-" + UUID().uuidString
        canopy = try CanopyBinary()
        let root = PipelineTests.root
        let map = try LabelMap(contentsOf: root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json")
        try SyntheticRawFrames.write(to: dir + "/raw", frames: frames, width: 80, height: 60, map: map, clips: 3, seed: 9)
        let pre = try canopy.run([
            "preprocess", dir + "/raw", dir + "/data", "--label-map",
            root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json",
        ])
        precondition(pre.status == 0, pre.stderr)
        let merge = try canopy.run([
            "preprocess", dir + "/raw", dir + "/data", "--label-map",
            root + "/reference/glimpse/label-maps/2018-11-render-to-2018-08-rdt-map.json", "--merge",
        ])
        precondition(merge.status == 0, merge.stderr)
        let index = try canopy.run(["index", dir + "/data", "-i", "tree0", "20", "-i", "tree1", "20"])
        precondition(index.status == 0, index.stderr)
        let job = """
            {"name": "small", "n_trees": 2, "index_name": "tree{job}", "out_file": "small-{index}.json",
             "n_pixels": 200, "n_uvs": 60, "n_thresholds": 9, "max_depth": 7, "uvt_histograms_mem": 2000000}
            """
        try job.write(toFile: dir + "/job.json", atomically: true, encoding: .utf8)
        let keys = try canopy.run(["keys", "generate", "--out", dir + "/keys", "coordinator", "worker"])
        precondition(keys.status == 0, keys.stderr)
    }

    /// The coordinator's CURVE options: its key pair, the worker key allowed.
    var serverKeys: [String] { ["--key", dir + "/keys/coordinator.key", "--allow", dir + "/keys/worker.pub"] }
    /// A worker's or client's CURVE options.
    var clientKeys: [String] { ["--key", dir + "/keys/worker.key", "--server-key", dir + "/keys/coordinator.pub"] }

    func files(_ out: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: out) where f != "report.json" {
            result[f] = try Data(contentsOf: URL(fileURLWithPath: out + "/" + f))
        }
        return result
    }

    /// Removes the fixture (kept when CANOPY_KEEP_FIXTURES is set, for looking at by hand).
    func remove() {
        if ProcessInfo.processInfo.environment["CANOPY_KEEP_FIXTURES"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct DistributedTrainingTests {
    @Test func forestIsByteIdenticalForOneProcessAndOneTwoThreeWorkers() throws {
        let fx = try TrainingFixture()
        defer { fx.remove() }
        var forests: [Int: [String: Data]] = [:]
        for workers in [0, 1, 2, 3] {
            let out = fx.dir + "/out\(workers)"
            let r = try fx.canopy.run([
                "train", "--data", fx.dir + "/data", "--job", fx.dir + "/job.json",
                "--workers", String(workers), "--out", out,
            ])
            #expect(r.status == 0, "workers \(workers): \(r.stdout) \(r.stderr)")
            #expect(r.stdout.contains("small level  0:"), "no progress line: \(r.stdout)")
            forests[workers] = try fx.files(out + "/small")
            // Frames, not shards, are the unit of work: every worker holds some.
            if workers > 0 {
                let report = try JSON.parse(try Data(contentsOf: URL(fileURLWithPath: out + "/small/report.json")).map { $0 })
                #expect(report["workers"]?.intValue == workers, "\(report.serialized())")
            }
        }
        // Small nodes handed off as bins to one worker, for several limits (the default hands off
        // every node below the roots here), and never.
        for handoff in ["0", "150", "1200"] {
            let out = fx.dir + "/handoff\(handoff)"
            let r = try fx.canopy.run([
                "train", "--data", fx.dir + "/data", "--job", fx.dir + "/job.json", "--workers", "2", "--handoff-pixels", handoff,
                "--out", out,
            ])
            #expect(r.status == 0, "handoff \(handoff): \(r.stderr)")
            #expect(try fx.files(out + "/small") == forests[0], "handoff below \(handoff) pixels grew another forest")
        }
        #expect(forests[0]?.keys.sorted() == ["small-tree0.json", "small-tree0.rdt", "small-tree1.json", "small-tree1.rdt"])
        for workers in [1, 2, 3] { #expect(forests[workers] == forests[0], "\(workers) workers differ from one process") }
        // The trees are real: the root splits.
        let tree = try TreeFile.load(fx.dir + "/out0/small/small-tree0.json")
        if case .split = tree.nodes[0] {} else { Issue.record("root is not a split") }
        #expect(tree.leafCount > 4)
    }

    /// An out_file without .json (glimpse allows any name): the .rdt goes beside it, and
    /// report.json lists exactly the files written, for one process and for workers alike.
    @Test func outFileWithoutJSONExtensionIsListedAndWritten() throws {
        let fx = try TrainingFixture(frames: 6)
        defer { fx.remove() }
        let job = try String(contentsOfFile: fx.dir + "/job.json", encoding: .utf8)
            .replacingOccurrences(of: "small-{index}.json", with: "forest-{index}")
        try job.write(toFile: fx.dir + "/plain.json", atomically: true, encoding: .utf8)
        for workers in [0, 2] {
            let out = fx.dir + "/plain\(workers)"
            let r = try fx.canopy.run([
                "train", "--data", fx.dir + "/data", "--job", fx.dir + "/plain.json",
                "--workers", String(workers), "--out", out,
            ])
            #expect(r.status == 0, "\(r.stderr)")
            let report = try JSON.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/small/report.json"))))
            let listed = report["files"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(listed == ["forest-tree0", "forest-tree0.rdt", "forest-tree1", "forest-tree1.rdt"], "\(workers): \(listed)")
            #expect(listed.allSatisfy { FileManager.default.fileExists(atPath: out + "/small/" + $0) })
        }
        #expect(try fx.files(fx.dir + "/plain0/small") == fx.files(fx.dir + "/plain2/small"))
    }
}
