import Foundation
import Testing

@testable import RDTCore

@Suite struct InferenceTests {
    /// A depth-2 tree: probe 5 pixel-metres right (2.5 px at 2 m) minus the pixel itself; f < 100 mm
    /// goes left (label 1), else right (label 2).
    func rightEdgeTree() -> DecisionTree {
        var tree = DecisionTree(
            depth: 2,
            labels: [
                LabelInfo(name: "bg"), LabelInfo(name: "a", opposite: "b"),
                LabelInfo(name: "b", opposite: "a"),
            ], verticalFOV: 1)
        tree.nodes = [.split(uv: SIMD4(5, 0, 0, 0), thresholdMM: 100), .leaf([0, 1, 0]), .leaf([0, 0, 1])]
        return tree
    }

    @Test func labelsFollowTheFeatureAndBackgroundStaysBackground() {
        // A 10x3 image: a body at 2 m on columns 2...6.
        let w = 10, h = 3
        var depth = [UInt16](repeating: 0, count: w * h)
        for y in 0..<h { for x in 2...6 { depth[y * w + x] = 2000 } }
        let forest = CompiledForest([rightEdgeTree()])
        let labels = Inference.labels(
            Inference.probabilities(forest, depth: depth, width: w, height: h, threads: 2),
            labelCount: 3)
        // x + 2.5 truncates to x + 2: columns 5 and 6 probe background (32 m) -> right (label 2).
        let expected: [UInt8] = [0, 0, 1, 1, 1, 2, 2, 0, 0, 0]
        for y in 0..<h { #expect(Array(labels[(y * w)..<(y * w + w)]) == expected) }
    }

    @Test func flipAugmentationIsMirrorSymmetric() {
        let frames = SyntheticFrame.make(count: 1, labels: 3, seed: 4)
        let f = frames[0]
        var mirrored = f.depth
        for y in 0..<f.height { for x in 0..<f.width { mirrored[y * f.width + x] = f.depth[y * f.width + f.width - 1 - x] } }
        var tree = rightEdgeTree()
        tree.nodes[1] = .leaf([0, 0.7, 0.3])
        let forest = CompiledForest([tree])
        let a = Inference.probabilities(forest, depth: f.depth, width: f.width, height: f.height, flip: true)
        let b = Inference.probabilities(forest, depth: mirrored, width: f.width, height: f.height, flip: true)
        var worst: Float = 0
        for y in 0..<f.height {
            for x in 0..<f.width {
                let i = (y * f.width + x) * 3, j = (y * f.width + f.width - 1 - x) * 3
                for l in 0..<3 { worst = max(worst, abs(a[i + l] - b[j + Int(forest.flipMap[l])])) }
            }
        }
        #expect(worst < 1e-6)
        // Without augmentation this asymmetric tree is not symmetric.
        let c = Inference.probabilities(forest, depth: f.depth, width: f.width, height: f.height)
        #expect(c != a)
    }

    @Test func meanOverTrees() {
        var t2 = rightEdgeTree()
        t2.nodes = [.leaf([0, 0.5, 0.5])]
        t2.depth = 2
        let p = Inference.probabilities(CompiledForest([rightEdgeTree(), t2]), depth: [2000, 2000, 0], width: 3, height: 1)
        // Pixel 0 probes pixel 2 (background): right leaf of tree 1 = [0,0,1]; tree 2 = [0,.5,.5].
        #expect(Array(p[0..<3]) == [0, 0.25, 0.75])
        #expect(Array(p[6..<9]) == [1, 0, 0])
    }
}

@Suite struct MetricsTests {
    @Test func confusionMatrixAndAccuracies() {
        var m = ConfusionMatrix(labels: 3)
        m.add(truth: [0, 1, 1, 1, 2, 2, 0], predicted: [1, 1, 1, 2, 2, 0, 0])
        // Background truth pixels are ignored.
        #expect(m.counts == [0, 0, 0, 0, 2, 1, 1, 0, 1])
        #expect(m.pixelAccuracy == 3.0 / 5.0)
        #expect(m.perLabelAccuracy[0] == nil && m.perLabelAccuracy[1] == 2.0 / 3.0 && m.perLabelAccuracy[2] == 0.5)
        #expect(abs(m.meanClassAccuracy - (2.0 / 3.0 + 0.5) / 2) < 1e-12)
        #expect(m.csv(names: ["bg", "a", "b"]).split(separator: "\n")[2] == "\"a\",0,2,1")
    }

    @Test func glimpseOutMapAggregatesLeftAndRight() throws {
        let map = try LabelMap(contentsOf: Fixtures.path("reference/glimpse/label-maps/2018-06-left-right-out-map.json"))
        #expect(map.names == ["background", "neck", "left", "right"])
        var m = ConfusionMatrix(labels: 34)
        // Truth "head left" (1) predicted "head top left" (3): both left, so correct after aggregation.
        m.add(truth: [1, 1, 2, 5], predicted: [3, 2, 4, 5])
        let out = m.aggregated(through: map)
        #expect(m.pixelAccuracy == 0.25)
        #expect(out.pixelAccuracy == 0.75)
        #expect(out.counts[2 * 4 + 2] == 1 && out.counts[2 * 4 + 3] == 1 && out.counts[3 * 4 + 3] == 1)
    }

    @Test func glimpseLabelMapsLoadAsTheyAre() throws {
        let dir = Fixtures.path("reference/glimpse/label-maps")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 10)
        for file in files { _ = try LabelMap(contentsOf: dir + "/" + file) }
        let render = try LabelMap(contentsOf: dir + "/2018-11-render-to-2018-08-rdt-map.json")
        #expect(render.packed(64) == 0 && render.packed(149) == 0 && render.packed(7) == 1)
        #expect(render.flipMap[1] == 2 && render.flipMap[2] == 1 && render.flipMap[5] == 5)
    }
}
