/// glimpse's method, kept plain and obviously right as the reference the fast kernel is checked and
/// benchmarked against: for every pixel, candidate and threshold, increment the left (f < t) or the
/// right label histogram. Output: left and right counts per (candidate, threshold, label).
public enum ReferenceKernel {
    public static func leftRight(samples: [PixelSample], frames: FrameStore, candidates: Candidates, labels: Int)
        -> (left: [UInt32], right: [UInt32])
    {
        let T = candidates.thresholds.count
        var left = [UInt32](repeating: 0, count: candidates.count * T * labels)
        var right = left
        frames.depth.withUnsafeBufferPointer { depth in
            left.withUnsafeMutableBufferPointer { l in
                right.withUnsafeMutableBufferPointer { r in
                    for s in samples {
                        let frame = frames.frames[Int(s.frame)]
                        for c in 0..<candidates.count {
                            let f = Feature.value(
                                depth: depth.baseAddress!, frame: frame, x: Int32(s.x), y: Int32(s.y),
                                depthMM: s.depth, uv: candidates.uvs[c])
                            for j in 0..<T {
                                let at = (c * T + j) * labels + Int(s.label)
                                if f < candidates.thresholds[j] { l[at] += 1 } else { r[at] += 1 }
                            }
                        }
                    }
                }
            }
        }
        return (left, right)
    }
}
