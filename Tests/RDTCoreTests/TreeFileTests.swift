import Foundation
import Testing

@testable import RDTCore

@Suite struct TreeFileTests {
    func trainedTree() throws -> DecisionTree {
        let frames = SyntheticFrame.make(count: 6, labels: 5, seed: 3)
        let p = TestSetup.parameters()
        let data = TestSetup.data(frames, parameters: p, trees: 1, labels: 5)
        let grower = ForestGrower(parameters: p, candidates: data.candidates, labelCount: 5)
        var labels = TestSetup.labels(5)
        labels[1].opposite = "label 2"
        labels[2].opposite = "label 1"
        var tree = try grower.grow(labels: labels, camera: TestSetup.camera, source: data)[0]
        tree.history = [.object([("parameters", p.json)])]
        return tree
    }

    @Test func jsonAndRDTRoundTrip() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = try trainedTree()
        #expect(tree.leafCount > 3)
        try TreeFile.save(tree, to: dir + "/t.json")
        #expect(try TreeFile.load(dir + "/t.json") == tree)
        try TreeFile.save(tree, to: dir + "/t.rdt")
        let binary = try TreeFile.load(dir + "/t.rdt")
        #expect(binary.nodes == tree.nodes)
        #expect(binary.flipMap == tree.flipMap)
        #expect(abs(binary.verticalFOV - tree.verticalFOV) < 1e-6)
        // JSON -> RDT -> JSON keeps the tree; RDT bytes are stable.
        #expect(TreeFile.encodeRDT(binary) == TreeFile.encodeRDT(tree))
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/t.rdt")[.size] as! Int
        #expect(size == 272 + ((1 << tree.depth) - 1) * 32 + tree.leafCount * 5 * 4)
    }

    @Test func handWrittenGlimpseJSONLoads() throws {
        let text = """
            {"depth": 2, "vertical_fov": 0.7669, "n_labels": 3, "bg_label": 0, "bg_depth": 32.0,
             "labels": ["background", "left", "right"],
             "root": {"t": 0.125, "u": [12.5, -3], "v": [0, 4.25],
                      "l": {"p": [0.0, 1.0, 0.0]}, "r": {"p": [0.0, 0.25, 0.75]}}}
            """
        let tree = try TreeFile.decodeJSON(Array(text.utf8), path: "hand.json")
        #expect(tree.depth == 2 && tree.labelCount == 3 && tree.labels[2].name == "right")
        #expect(tree.nodes[0] == .split(uv: SIMD4(12.5, -3, 0, 4.25), thresholdMM: 125))
        #expect(tree.nodes[1] == .leaf([0, 1, 0]) && tree.nodes[2] == .leaf([0, 0.25, 0.75]))
    }

    @Test func badFilesFailWithOneLineNamingFileAndProblem() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tree = try trainedTree()
        let good = TreeFile.encodeRDT(tree)
        func expectError(_ bytes: [UInt8], _ name: String, mentions: String) throws {
            let path = dir + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try TreeFile.load(path)
                Issue.record("\(name) loaded")
            } catch {
                let text = "\(error)"
                #expect(text.hasPrefix(path) && text.contains(mentions) && !text.contains("\n"), "\(text)")
            }
        }
        try expectError(Array(good.prefix(100)), "short.rdt", mentions: "truncated")
        try expectError(Array(good.prefix(272 + 40)), "cut.rdt", mentions: "truncated")
        var v5 = good
        v5[3] = 5
        try expectError(v5, "v5.rdt", mentions: "version 5")
        try expectError(Array(good.dropLast(4)), "labels.rdt", mentions: "5-label tables")
        var fewer = good
        fewer[5] = 4  // n_labels 4: tables no longer line up
        try expectError(fewer, "fewer.rdt", mentions: "label")
        try expectError(
            Array("{\"depth\": 2, \"n_labels\": 3, \"vertical_fov\": 1, \"root\": {\"p\": [1, 0]}}".utf8),
            "leaf.json", mentions: "2 probabilities but n_labels is 3")
        try expectError(Array("{\"depth\": 2,".utf8), "cut.json", mentions: "JSON syntax error at line 1")
        // A depth no tree can be allocated for is refused before allocating (not a trap).
        try expectError(
            Array("{\"depth\": 30, \"n_labels\": 2, \"vertical_fov\": 1, \"root\": {\"p\": [1, 0]}}".utf8),
            "deep.json", mentions: "\"depth\" must be 1...24")
        var deep = good
        deep[4] = 30
        try expectError(deep, "deep.rdt", mentions: "depth 30 is not 1...24")
        #expect(throws: ParameterError.self) { try TrainingParameters(json: JSON.parse(Array("{\"max_depth\": 30}".utf8))) }
        #expect(try TrainingParameters(json: JSON.parse(Array("{\"max_depth\": 24}".utf8))).maxDepth == 24)
        #expect(throws: TreeFileError.unreadable(path: dir + "/none.rdt", reason: "missing or unreadable")) {
            try TreeFile.load(dir + "/none.rdt")
        }
    }

    @Test func forestsMustAgreeOnLabels() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var a = DecisionTree(depth: 1, labels: TestSetup.labels(3), verticalFOV: 1)
        a.nodes[0] = .leaf([1, 0, 0])
        var b = DecisionTree(depth: 1, labels: TestSetup.labels(4), verticalFOV: 1)
        b.nodes[0] = .leaf([1, 0, 0, 0])
        try TreeFile.save(a, to: dir + "/a.rdt")
        try TreeFile.save(b, to: dir + "/b.json")
        #expect(throws: TreeFileError.self) { try TreeFile.loadForest([dir + "/a.rdt", dir + "/b.json"]) }
        #expect(try TreeFile.loadForest([dir + "/a.rdt", dir + "/a.rdt"]).count == 2)
    }

    /// Temporary files of writers that died are removed; a live writer's (this process's) are not.
    @Test func staleTemporaryFilesOfDeadWritersAreRemoved() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/sh")
        gone.arguments = ["-c", "exit 0"]
        try gone.run()
        gone.waitUntilExit()
        let dead = AtomicFile.temporaryName(dir + "/checkpoint.json", pid: gone.processIdentifier)
        let live = AtomicFile.temporaryName(dir + "/tree.json")
        // Another node's writer, on shared storage: its process is not ours to judge.
        let elsewhere = dir + "/shard.tmp-other-node-\(gone.processIdentifier)"
        for path in [dead, live, elsewhere, dir + "/tree.json"] { FileManager.default.createFile(atPath: path, contents: Data([1])) }
        #expect(AtomicFile.removeStale(in: dir) == [(dead as NSString).lastPathComponent])
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect([live, elsewhere, dir + "/tree.json"].allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }
}
