/// One sampled training pixel (12 bytes): its frame in the `FrameStore`, full-image position,
/// depth and packed label.
public struct PixelSample: Equatable, Sendable {
    public var frame: UInt32
    public var x: UInt16
    public var y: UInt16
    public var depth: UInt16
    public var label: UInt8
    public var reserved: UInt8 = 0

    public init(frame: UInt32, x: UInt16, y: UInt16, depth: UInt16, label: UInt8) {
        self.frame = frame
        self.x = x
        self.y = y
        self.depth = depth
        self.label = label
    }
}

/// Pixel sampling: `count` pixels uniformly with replacement over a frame's body pixels
/// (label != 0 and 0 < depth < background), from a generator seeded by (seed, tree, index position).
public enum PixelSampler {
    /// Samples from a cropped frame; `labels` are packed labels of the same crop.
    public static func sample(depth: UnsafeBufferPointer<UInt16>, labels: UnsafeBufferPointer<UInt8>,
                              width: Int, height: Int, originX: Int, originY: Int, backgroundDepth: UInt16,
                              seed: UInt64, tree: Int, position: Int, count: Int, frame: UInt32,
                              into out: inout [PixelSample]) {
        var body: [Int32] = []
        body.reserveCapacity(width * height / 2)
        for i in 0..<(width * height) where labels[i] != 0 && depth[i] > 0 && depth[i] < backgroundDepth {
            body.append(Int32(i))
        }
        guard !body.isEmpty else { return }
        var rng = DeterministicRandom(seed, UInt64(tree), UInt64(position), 0x5A3)
        // Drawn in order, then kept in row-major order: the kernel's tiles then probe a narrow band of
        // rows, which stays in cache. Counts do not depend on sample order.
        var chosen = (0..<count).map { _ in body[rng.below(body.count)] }
        chosen.sort()
        out.reserveCapacity(out.count + count)
        for index in chosen {
            let i = Int(index)
            out.append(PixelSample(frame: frame, x: UInt16(originX + i % width), y: UInt16(originY + i / width),
                                   depth: depth[i], label: labels[i]))
        }
    }
}

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
                        let f = Feature.value(depth: depth.baseAddress!, frame: info[Int(p.frame)], x: Int32(p.x),
                                              y: Int32(p.y), depthMM: p.depth, uv: uv)
                        if f < thresholdMM { s[write] = p; write += 1 } else { right.append(p) }
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
