/// A tree's pixel samples, kept partitioned so each open node's samples are contiguous.
public struct TreeSamples: Sendable {
    public private(set) var samples: [PixelSample]
    /// Open (not yet decided) node id -> its samples.
    public private(set) var ranges: [Int: Range<Int>]

    public init(samples: [PixelSample]) {
        self.samples = samples
        ranges = [0: 0..<samples.count]
    }

    public func range(of node: Int) -> Range<Int> { ranges[node] ?? 0..<0 }

    /// Routes node's samples to children 2n+1 (f < t) and 2n+2; the node is closed.
    public mutating func split(node: Int, uv: SIMD4<Float>, thresholdMM: Int32, frames: FrameStore) {
        guard let range = ranges.removeValue(forKey: node) else { return }
        var right: [PixelSample] = []
        var write = range.lowerBound
        frames.depth.withUnsafeBufferPointer { depth in
            frames.frames.withUnsafeBufferPointer { info in
                samples.withUnsafeMutableBufferPointer { s in
                    for i in range {
                        let p = s[i]
                        let f = Feature.value(
                            depth: depth.baseAddress!, frame: info[Int(p.frame)], x: Int32(p.x),
                            y: Int32(p.y), depthMM: p.depth, uv: uv)
                        if f < thresholdMM {
                            s[write] = p
                            write += 1
                        } else {
                            right.append(p)
                        }
                    }
                    for (k, p) in right.enumerated() { s[write + k] = p }
                }
            }
        }
        ranges[2 * node + 1] = range.lowerBound..<write
        ranges[2 * node + 2] = write..<range.upperBound
    }

    /// Closes a node that became a leaf.
    public mutating func close(node: Int) { ranges.removeValue(forKey: node) }

    public var bytes: Int { samples.count * MemoryLayout<PixelSample>.stride }
}
