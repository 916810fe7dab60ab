import Foundation

/// Per-pixel label probabilities for depth images (features, mean over trees).
public enum Inference {
    /// Probabilities (pixel-major, `labelCount` per pixel) for a full depth image in millimetres.
    /// Pixels at 0 or at/after the background depth get the background label; with `flip`, the
    /// mirrored image is evaluated too, its labels mirrored back through the flip map and averaged.
    public static func probabilities(
        _ forest: CompiledForest, depth: [UInt16], width: Int, height: Int,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        flip: Bool = false
    ) -> [Float] {
        var probs: [Float] = []
        probabilities(forest, depth: depth, width: width, height: height, threads: threads, flip: flip, into: &probs)
        return probs
    }

    /// As above, into a buffer the caller keeps between frames (a fresh 10 MB array per frame costs
    /// more in page faults than the trees do).
    public static func probabilities(
        _ forest: CompiledForest, depth: [UInt16], width: Int, height: Int,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        flip: Bool = false, into probs: inout [Float]
    ) {
        evaluate(forest, depth: depth, width: width, height: height, threads: threads, into: &probs)
        guard flip else { return }
        var mirrored = depth
        for y in 0..<height {
            for x in 0..<width { mirrored[y * width + x] = depth[y * width + (width - 1 - x)] }
        }
        var other: [Float] = []
        evaluate(forest, depth: mirrored, width: width, height: height, threads: threads, into: &other)
        let L = forest.labelCount
        for y in 0..<height {
            for x in 0..<width {
                let a = (y * width + x) * L, b = (y * width + (width - 1 - x)) * L
                for l in 0..<L { probs[a + Int(forest.flipMap[l])] = 0.5 * probs[a + Int(forest.flipMap[l])] + 0.5 * other[b + l] }
            }
        }
    }

    static func evaluate(
        _ forest: CompiledForest, depth: [UInt16], width: Int, height: Int, threads: Int,
        into out: inout [Float]
    ) {
        let L = forest.labelCount
        let bg = forest.backgroundDepthMM
        // The image as one stored frame, preceded by the background element, 0 and far depths set to background.
        var buffer = [UInt16](repeating: bg, count: width * height + 1)
        for i in 0..<(width * height) { buffer[i + 1] = depth[i] == 0 || depth[i] >= bg ? bg : depth[i] }
        let frame = StoredFrame(offset: 1, width: Int32(width), height: Int32(height), originX: 0, originY: 0)
        let count = width * height * L
        if out.count == count {
            out.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            out = [Float](repeating: 0, count: count)
        }
        let nThreads = max(1, min(threads, height))
        let nTrees = forest.treeCount
        let invTrees = 1 / Float(nTrees)
        let roots = forest.roots, sizes = forest.sizes
        buffer.withUnsafeBufferPointer { dbuf in
            forest.nodes.withUnsafeBufferPointer { nbuf in
                forest.tables.withUnsafeBufferPointer { tbuf in
                    out.withUnsafeMutableBufferPointer { obuf in
                        let dp = dbuf.baseAddress!, op = obuf.baseAddress!, tp = tbuf.baseAddress!
                        let work = { (t: Int) in
                            for y in (height * t / nThreads)..<(height * (t + 1) / nThreads) {
                                for x in 0..<width {
                                    let pixel = y * width + x
                                    let d = dp[pixel + 1]
                                    let o = op + pixel * L
                                    if d == bg {
                                        o[forest.backgroundLabel] = 1
                                        continue
                                    }
                                    var used = 0
                                    for k in 0..<nTrees {
                                        let np = nbuf.baseAddress! + roots[k]
                                        let count = sizes[k]
                                        var i = 0
                                        while true {
                                            let n = np[i]
                                            if n.leaf == -1 {
                                                let f = Feature.value(
                                                    depth: dp, frame: frame, x: Int32(x), y: Int32(y),
                                                    depthMM: d, uv: SIMD4(n.ux, n.uy, n.vx, n.vy))
                                                i = f < n.thresholdMM ? 2 &* i &+ 1 : 2 &* i &+ 2
                                                if i >= count { break }
                                            } else {
                                                if n.leaf >= 0 {
                                                    let p = tp + Int(n.leaf)
                                                    for l in 0..<L { o[l] += p[l] }
                                                    used += 1
                                                }
                                                break
                                            }
                                        }
                                    }
                                    if used == 0 {
                                        o[forest.backgroundLabel] = 1
                                    } else {
                                        let scale = used == nTrees ? invTrees : 1 / Float(used)
                                        for l in 0..<L { o[l] *= scale }
                                    }
                                }
                            }
                        }
                        if nThreads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: nThreads, execute: work) }
                    }
                }
            }
        }
    }

    /// The most probable label per pixel (lowest label on ties).
    public static func labels(_ probabilities: [Float], labelCount L: Int) -> [UInt8] {
        let n = probabilities.count / L
        return probabilities.withUnsafeBufferPointer { p in
            (0..<n).map { i in
                var best = 0
                for l in 1..<L where p[i * L + l] > p[i * L + best] { best = l }
                return UInt8(best)
            }
        }
    }
}
