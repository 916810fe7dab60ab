import Foundation

/// Signed power: sign(x) |x|^p.
@inline(__always) func signedPower(_ x: Double, _ p: Double) -> Double {
    x < 0 ? -pow(-x, p) : pow(x, p)
}

/// One tree's split candidates: (u, v) offset pairs in pixel-metres and thresholds in millimetres.
/// The same candidates serve every node of a tree, which is what makes histogram subtraction work.
public struct Candidates: Equatable, Sendable {
    /// (u.x, u.y, v.x, v.y) in pixel-metres.
    public var uvs: [SIMD4<Float>]
    /// Ascending thresholds in millimetres (an odd count, symmetric around 0).
    public var thresholds: [Int32]

    public var count: Int { uvs.count }
    /// Histogram bins per candidate: bin b holds features with exactly b thresholds <= f.
    public var bins: Int { thresholds.count + 1 }

    public init(uvs: [SIMD4<Float>], thresholds: [Int32]) {
        self.uvs = uvs
        self.thresholds = thresholds
    }

    /// glimpse's candidates for tree `tree`: uv coordinates uniform in [-r/2, r/2] with
    /// r = uv_range^(1/uv_power), raised back with the signed power, converted from metres to
    /// pixel-metres with the focal length; thresholds t_k = round(spow(k step, power) * 1000) mm.
    public init(parameters p: TrainingParameters, camera: Camera, tree: Int) {
        var rng = DeterministicRandom(p.seed, UInt64(tree), 0xC4D1)
        let r = pow(p.uvRange, 1 / p.uvPower)
        let focal = camera.focalLength
        var uvs: [SIMD4<Float>] = []
        uvs.reserveCapacity(p.nUVs)
        for _ in 0..<p.nUVs {
            var c = SIMD4<Float>()
            for k in 0..<4 {
                let m = signedPower(rng.uniform(-r / 2, r / 2), p.uvPower)
                c[k] = Float(m * focal)
            }
            uvs.append(c)
        }
        let n = p.oddThresholds
        let half = (n - 1) / 2
        var thresholds: [Int32] = []
        if half == 0 {
            thresholds = [0]
        } else {
            let step = pow(p.thresholdRange, 1 / p.thresholdPower) / Double(half)
            for k in -half...half {
                thresholds.append(Int32((signedPower(Double(k) * step, p.thresholdPower) * 1000).rounded()))
            }
        }
        self.init(uvs: uvs, thresholds: thresholds)
    }

    /// The bin of feature value f: the number of thresholds <= f.
    public func bin(of f: Int32) -> Int {
        var lo = 0, hi = thresholds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if thresholds[mid] <= f { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// A lookup table from clamped feature value to bin, for the histogram kernel.
    public var binTable: BinTable { BinTable(thresholds: thresholds) }

    /// The largest offset component (pixel-metres) a tree file or a peer may carry.
    public static let maxOffset: Float = 10_000

    /// Whether every component of `uv` is finite and within `maxOffset`: checked wherever
    /// offsets arrive from outside (tree files, the wire).
    public static func isValidOffset(_ uv: SIMD4<Float>) -> Bool {
        (0..<4).allSatisfy { uv[$0].isFinite && abs(uv[$0]) <= maxOffset }
    }
}
