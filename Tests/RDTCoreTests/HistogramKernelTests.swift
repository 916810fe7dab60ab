import Testing

@testable import RDTCore

@Suite struct HistogramKernelTests {
    /// The kernel's prefix sums equal glimpse's per-threshold left/right counts, on random frames,
    /// with any thread count and any number of candidates per pass (one, a few with a short last
    /// block, all).
    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func kernelCountsEqualTheReference(seed: UInt64) throws {
        let labels = 5
        var p = TestSetup.parameters()
        p.nThresholds = 9 + Int(seed % 3) * 2
        let blockBytes = [1, 1000, 1 << 20][Int(seed % 3 + seed / 4) % 3]
        let data = TestSetup.data(
            SyntheticFrame.make(count: 6, labels: labels, seed: seed), parameters: p, trees: 1,
            labels: labels, kernel: HistogramKernel(threads: Int(seed % 3) + 1, tile: 16, blockBytes: blockBytes))
        #expect(data.kernel.block(UInt16.self, shape: data.shape) < data.shape.candidates || blockBytes == 1 << 20)
        let samples = data.trees[0].samples
        #expect(samples.count == 6 * p.nPixels)
        let hist = try data.histograms(for: [NodeKey(tree: 0, node: 0)])[0]
        let reference = ReferenceKernel.leftRight(
            samples: samples, frames: data.frames, candidates: data.candidates[0],
            labels: labels)
        let shape = data.shape
        let T = shape.bins - 1
        var mismatches = 0
        for c in 0..<shape.candidates {
            var left = [UInt32](repeating: 0, count: labels)
            var total = [UInt32](repeating: 0, count: labels)
            for b in 0..<shape.bins { for l in 0..<labels { total[l] += hist[(c * shape.bins + b) * labels + l] } }
            for j in 0..<T {
                for l in 0..<labels {
                    left[l] += hist[(c * shape.bins + j) * labels + l]
                    if left[l] != reference.left[(c * T + j) * labels + l] { mismatches += 1 }
                    if total[l] - left[l] != reference.right[(c * T + j) * labels + l] { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        // The counts are not trivially zero: every sample lands in some bin of every candidate.
        #expect(hist.reduce(0, +) == UInt32(samples.count * shape.candidates))
    }

    @Test func narrowAndWideCountersAgree() {
        let labels = 5
        let data = TestSetup.data(
            SyntheticFrame.make(count: 4, labels: labels, seed: 9), parameters: TestSetup.parameters(),
            trees: 1, labels: labels)
        let range = data.trees[0].range(of: 0)
        let shape = data.shape
        let narrow = NodeCounts(count: shape.countsPerNode, narrow: true)
        let wide = NodeCounts(count: shape.countsPerNode, narrow: false)
        data.trees[0].samples.withUnsafeBufferPointer { s in
            data.kernel.accumulate(
                samples: s, nodes: [range, range], outputs: [narrow.output, wide.output],
                frames: data.frames, candidates: data.candidates[0],
                binTable: data.candidates[0].binTable, shape: shape)
        }
        #expect(narrow.widened(count: shape.countsPerNode) == wide.widened(count: shape.countsPerNode))
    }

    @Test func binTableMatchesBinarySearch() {
        let c = Candidates(uvs: [], thresholds: [-300, -20, -20, 0, 7, 300])
        let table = c.binTable
        for f in Int32(-400)...400 {
            let k = max(0, min(Int(f - table.lowest + 1), table.table.count - 1))
            #expect(Int(table.table[k]) == c.bin(of: f), "f = \(f)")
        }
    }

    @Test func thresholdsAreOddSymmetricAndFollowThePower() {
        var p = TrainingParameters()
        p.nThresholds = 48
        p.thresholdRange = 0.68
        p.thresholdPower = 2
        let c = Candidates(parameters: p, camera: TestSetup.camera, tree: 0)
        #expect(c.thresholds.count == 49)
        #expect(c.thresholds.first == -680 && c.thresholds.last == 680 && c.thresholds[24] == 0)
        for k in 0..<49 { #expect(c.thresholds[k] == -c.thresholds[48 - k]) }
        // power 2: t_k = (k * sqrt(0.68) / 24)^2 m; k = 12 gives 0.17 m.
        #expect(c.thresholds[36] == 170)
    }

    @Test func candidatesAreSeededPerTreeAndScaledToPixelMetres() {
        var p = TrainingParameters()
        p.nUVs = 500
        p.uvRange = 0.4
        let a = Candidates(parameters: p, camera: TestSetup.camera, tree: 0)
        let b = Candidates(parameters: p, camera: TestSetup.camera, tree: 1)
        #expect(a == Candidates(parameters: p, camera: TestSetup.camera, tree: 0))
        #expect(a.uvs != b.uvs)
        let limit = Float(0.2 * TestSetup.camera.focalLength)
        let largest = a.uvs.map { max(abs($0.x), abs($0.y), abs($0.z), abs($0.w)) }.max()!
        #expect(largest <= limit && largest > limit * 0.95)
    }
}
