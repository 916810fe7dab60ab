/// Pixel sampling: `count` pixels uniformly with replacement over a frame's body pixels
/// (label != 0 and 0 < depth < background), from a generator seeded by (seed, tree, index position).
public enum PixelSampler {
    /// Samples from a cropped frame; `labels` are packed labels of the same crop.
    public static func sample(
        depth: UnsafeBufferPointer<UInt16>, labels: UnsafeBufferPointer<UInt8>,
        width: Int, height: Int, originX: Int, originY: Int, backgroundDepth: UInt16,
        seed: UInt64, tree: Int, position: Int, count: Int, frame: UInt32,
        into out: inout [PixelSample]
    ) {
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
            out.append(
                PixelSample(
                    frame: frame, x: UInt16(originX + i % width), y: UInt16(originY + i / width),
                    depth: depth[i], label: labels[i]))
        }
    }
}
