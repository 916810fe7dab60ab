import RDTCore

/// Small random depth frames for property tests: a few rectangular "body parts" with labels 1...,
/// depths 1-3 m and noise, on a background of 32 m.
struct SyntheticFrame {
    var width: Int
    var height: Int
    var depth: [UInt16]
    var labels: [UInt8]

    static func make(count: Int, width: Int = 24, height: Int = 20, labels: Int = 5, seed: UInt64) -> [SyntheticFrame] {
        var rng = DeterministicRandom(seed, 77)
        return (0..<count).map { _ in
            var depth = [UInt16](repeating: 32000, count: width * height)
            var lab = [UInt8](repeating: 0, count: width * height)
            for _ in 0..<(2 + rng.below(4)) {
                let x0 = rng.below(width - 4), y0 = rng.below(height - 4)
                let w = 2 + rng.below(width - x0 - 2), h = 2 + rng.below(height - y0 - 2)
                let label = UInt8(1 + rng.below(labels - 1))
                let base = 1000 + rng.below(2000)
                for y in y0..<(y0 + h) {
                    for x in x0..<(x0 + w) {
                        depth[y * width + x] = UInt16(base + rng.below(60))
                        lab[y * width + x] = label
                    }
                }
            }
            return SyntheticFrame(width: width, height: height, depth: depth, labels: lab)
        }
    }

    /// The frame cropped to its body bounding box, with the crop's origin.
    func cropped() -> (depth: [UInt16], labels: [UInt8], width: Int, height: Int, x: Int, y: Int) {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            for x in 0..<width where labels[y * width + x] != 0 {
                x0 = min(x0, x)
                y0 = min(y0, y)
                x1 = max(x1, x)
                y1 = max(y1, y)
            }
        }
        if x1 < 0 { return ([32000], [0], 1, 1, 0, 0) }
        var d: [UInt16] = [], l: [UInt8] = []
        for y in y0...y1 {
            for x in x0...x1 {
                d.append(depth[y * width + x])
                l.append(labels[y * width + x])
            }
        }
        return (d, l, x1 - x0 + 1, y1 - y0 + 1, x0, y0)
    }
}

enum TestSetup {
    static let camera = Camera(width: 24, height: 20, verticalFOVDegrees: 60)

    static func parameters(trees: Int = 2) -> TrainingParameters {
        var p = TrainingParameters()
        p.nPixels = 40
        p.nUVs = 12
        p.nThresholds = 7
        p.thresholdRange = 0.5
        p.uvRange = 0.4
        p.maxDepth = 6
        p.minSamples = 2
        p.seed = 11
        return p
    }

    static func labels(_ n: Int) -> [LabelInfo] { (0..<n).map { LabelInfo(name: "label \($0)") } }

    /// The forest `source` grows with `p` and `data`'s candidates and `labels` labels.
    static func forest(_ source: HistogramSource, _ p: TrainingParameters, data: LocalTrainingData, labels: Int) throws
        -> [DecisionTree]
    {
        try ForestGrower(parameters: p, candidates: data.candidates, labelCount: labels)
            .grow(labels: Self.labels(labels), camera: camera, source: source)
    }

    /// Ten synthetic frames of 6 labels, depth-8 parameters and the 2-tree forest one process
    /// grows from them with dense histograms only: what the other paths must reproduce.
    static func depth8Baseline(seed: UInt64) throws -> (frames: [SyntheticFrame], p: TrainingParameters, expected: [DecisionTree]) {
        let frames = SyntheticFrame.make(count: 10, labels: 6, seed: seed)
        var p = parameters()
        p.maxDepth = 8
        let plain = data(frames, parameters: p, trees: 2, labels: 6, smallNodePixels: 0)
        return (frames, p, try forest(plain, p, data: plain, labels: 6))
    }

    /// Builds local training data; each tree's index is every frame once, in order.
    static func data(
        _ frames: [SyntheticFrame], parameters p: TrainingParameters, trees: Int, labels: Int,
        crop: Bool = true, kernel: HistogramKernel = HistogramKernel(threads: 1),
        smallNodePixels: Int? = nil
    ) -> LocalTrainingData {
        let candidates = (0..<trees).map { Candidates(parameters: p, camera: camera, tree: $0) }
        let data = LocalTrainingData(parameters: p, candidates: candidates, labelCount: labels, kernel: kernel)
        for (i, f) in frames.enumerated() {
            let uses = (0..<trees).map { (tree: $0, position: i) }
            if crop {
                let c = f.cropped()
                data.addFrame(
                    depth: c.depth, labels: c.labels, width: c.width, height: c.height, originX: c.x,
                    originY: c.y, uses: uses)
            } else {
                data.addFrame(
                    depth: f.depth, labels: f.labels, width: f.width, height: f.height, originX: 0, originY: 0,
                    uses: uses)
            }
        }
        data.finishLoading()
        if let smallNodePixels { data.smallNodePixels = smallNodePixels }
        return data
    }
}
