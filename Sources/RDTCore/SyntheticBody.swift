/// Synthetic person-like depth frames (ellipses for head, torso and limbs, 33-ish labelled regions)
/// for benchmarks and tests that need realistic sizes without a dataset.
public enum SyntheticBody {
    /// A frame of `width` x `height` with labels 1..<labels and depths near 2 m on a 32 m background.
    public static func frame(width: Int, height: Int, labels: Int, seed: UInt64, index: Int)
        -> (depth: [UInt16], labels: [UInt8])
    {
        var rng = DeterministicRandom(seed, UInt64(index), 0xB0D1)
        var depth = [UInt16](repeating: 32000, count: width * height)
        var lab = [UInt8](repeating: 0, count: width * height)
        let cx = Double(width) * rng.uniform(0.4, 0.6), scale = Double(height) / 240 * rng.uniform(0.9, 1.1)
        let base = rng.uniform(1800.0, 2600.0)
        // (centre x offset, centre y, radius x, radius y) of parts, top to bottom, in 240-row units.
        let parts: [(Double, Double, Double, Double)] = [
            (0, 35, 14, 17), (0, 60, 8, 8), (-22, 75, 12, 10), (22, 75, 12, 10), (0, 95, 26, 30),
            (0, 130, 24, 14), (-38, 100, 7, 24), (38, 100, 7, 24), (-44, 140, 6, 22), (44, 140, 6, 22),
            (-12, 170, 10, 28), (12, 170, 10, 28), (-13, 210, 8, 22), (13, 210, 8, 22),
        ]
        for (k, part) in parts.enumerated() {
            let px = cx + part.0 * scale + rng.uniform(-4.0, 4.0), py = part.1 * scale
            let rx = part.2 * scale, ry = part.3 * scale
            let bodyDepth = base + rng.uniform(-150.0, 150.0)
            let y0 = max(0, Int(py - ry)), y1 = min(height - 1, Int(py + ry))
            let x0 = max(0, Int(px - rx)), x1 = min(width - 1, Int(px + rx))
            guard y0 <= y1, x0 <= x1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    let dx = (Double(x) - px) / rx, dy = (Double(y) - py) / ry
                    let r2 = dx * dx + dy * dy
                    guard r2 <= 1 else { continue }
                    let d = bodyDepth - 60 * (1 - r2).squareRoot()
                    let i = y * width + x
                    if Double(depth[i]) > d {
                        depth[i] = UInt16(d)
                        // Split each part into upper/lower halves to reach many labels.
                        let sub = dy < 0 ? 0 : 1
                        lab[i] = UInt8(1 + (2 * k + sub) % max(1, labels - 1))
                    }
                }
            }
        }
        return (depth, lab)
    }
}
