import Dataset
import Foundation
import RDTCore

/// A noise operation of glimpse's pre-processor configs, applied in order.
public enum NoiseOp: Equatable, Sendable {
    /// Swaps pixels on the body's outline with a random neighbour (ragged sensor edges).
    case foregroundEdgeSwizzle
    /// Gaussian depth noise whose full width at a tenth of the maximum is `fwtmMetres`.
    case gaussian(fwtmMetres: Double)
    /// Perlin noise: base frequency in cycles per pixel, amplitude in metres, octaves.
    case perlin(frequency: Double, amplitudeMetres: Double, octaves: Int)
}

/// Errors in a pre-processor config; one line naming the file.
public enum PreprocessConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(path: String, problem: String)
    public var description: String {
        switch self { case let .invalid(path, problem): return "\(path): invalid pre-processor config: \(problem)" }
    }
}

/// glimpse's pre-processor config (reference/glimpse/pre-processor-configs): `properties` and `noise`.
public struct PreprocessConfig: Equatable, Sendable {
    public var noFlip = false
    public var backgroundDepthMM = 32000
    public var minBodySizePixels = 0
    public var minBodyChangePercent = 0.0
    public var noise: [NoiseOp] = []
    public var seed: UInt64 = 0

    public init() {}

    public init(contentsOf path: String) throws {
        func bad(_ p: String) -> PreprocessConfigError { .invalid(path: path, problem: p) }
        guard let data = FileManager.default.contents(atPath: path) else { throw bad("missing or unreadable") }
        let json: JSON
        do { json = try JSON.parse([UInt8](data)) } catch { throw bad("\(error)") }
        try self.init(json: json, path: path)
    }

    public init(json: JSON, path: String) throws {
        self.init()
        func bad(_ p: String) -> PreprocessConfigError { .invalid(path: path, problem: p) }
        if let props = json["properties"] {
            guard props.objectValue != nil else { throw bad("\"properties\" must be an object") }
            if let v = props["no_flip"] { guard let b = v.boolValue else { throw bad("no_flip must be true or false") }; noFlip = b }
            if let v = props["background_depth_m"] {
                guard let d = v.doubleValue, d > 0, d <= 65.5 else { throw bad("background_depth_m must be in (0, 65.5]") }
                backgroundDepthMM = Int((d * 1000).rounded())
            }
            if let v = props["min_body_size_px"] {
                guard let n = v.intValue, n >= 0 else { throw bad("min_body_size_px must be a whole number >= 0") }
                minBodySizePixels = n
            }
            if let v = props["min_body_change_percent"] {
                guard let p = v.doubleValue, p >= 0, p <= 100 else { throw bad("min_body_change_percent must be 0-100") }
                minBodyChangePercent = p
            }
            if let v = props["seed"], let s = v.intValue, s >= 0 { seed = UInt64(s) }
        }
        for (i, op) in (json["noise"]?.arrayValue ?? []).enumerated() {
            switch op["type"]?.stringValue {
            case "foreground-edge-swizzle": noise.append(.foregroundEdgeSwizzle)
            case "gaussian":
                guard let f = op["fwtm_range_map_m"]?.doubleValue, f >= 0, f < 10 else {
                    throw bad("noise \(i) (gaussian) needs fwtm_range_map_m in [0, 10) metres")
                }
                noise.append(.gaussian(fwtmMetres: f))
            case "perlin":
                guard let freq = op["freq"]?.doubleValue, freq > 0, freq <= 1,
                      let amp = op["amplitude_m"]?.doubleValue, amp >= 0, amp < 10,
                      let oct = op["octaves"]?.intValue, (1...16).contains(oct) else {
                    throw bad("noise \(i) (perlin) needs freq in (0, 1], amplitude_m in [0, 10) and octaves 1-16")
                }
                noise.append(.perlin(frequency: freq, amplitudeMetres: amp, octaves: oct))
            case let other:
                throw bad("noise \(i) has unknown type \(other.map { "\"\($0)\"" } ?? "(none)")")
            }
        }
    }
}

/// The noise operations on a full frame (depth mm, packed labels), seeded per frame.
public enum Noise {
    /// sigma of a Gaussian whose full width at a tenth of the maximum is `fwtm`: fwtm / (2 sqrt(2 ln 10)).
    public static func sigma(fwtm: Double) -> Double { fwtm / (2 * (2 * log(10.0)).squareRoot()) }

    public static func apply(_ op: NoiseOp, depth: inout [UInt16], labels: inout [UInt8], width: Int, height: Int,
                             rng: inout DeterministicRandom) {
        switch op {
        case .foregroundEdgeSwizzle:
            let d0 = depth, l0 = labels
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    guard l0[i] != 0 else { continue }
                    let edge = (x == 0 || l0[i - 1] == 0) || (x == width - 1 || l0[i + 1] == 0)
                        || (y == 0 || l0[i - width] == 0) || (y == height - 1 || l0[i + width] == 0)
                    guard edge, rng.below(2) == 0 else { continue }
                    let nx = min(max(x + rng.below(3) - 1, 0), width - 1), ny = min(max(y + rng.below(3) - 1, 0), height - 1)
                    let j = ny * width + nx
                    depth[i] = d0[j]; labels[i] = l0[j]
                    depth[j] = d0[i]; labels[j] = l0[i]
                }
            }
        case .gaussian(let fwtm):
            let s = sigma(fwtm: fwtm) * 1000
            depth.withUnsafeMutableBufferPointer { d in
                labels.withUnsafeBufferPointer { l in
                    // Box-Muller gives two independent normals per draw; use both.
                    var spare: Double?
                    for i in 0..<d.count where l[i] != 0 {
                        let z: Double
                        if let v = spare {
                            z = v
                            spare = nil
                        } else {
                            let u1 = max(rng.unitDouble(), 1e-300), u2 = rng.unitDouble()
                            let r = (-2 * log(u1)).squareRoot()
                            z = r * cos(2 * Double.pi * u2)
                            spare = r * sin(2 * Double.pi * u2)
                        }
                        d[i] = clampDepth(Double(d[i]) + s * z)
                    }
                }
            }
        case let .perlin(frequency, amplitude, octaves):
            var perm = [UInt8](repeating: 0, count: 512)
            for i in 0..<256 { perm[i] = UInt8(truncatingIfNeeded: rng.next()) }
            for i in 0..<256 { perm[256 + i] = perm[i] }
            let offset = (rng.uniform(0.0, 256.0), rng.uniform(0.0, 256.0))
            let scale = amplitude * 1000 / (0..<octaves).reduce(0.0) { a, k in a + 1 / Double(1 << k) }
            perm.withUnsafeBufferPointer { p in
                depth.withUnsafeMutableBufferPointer { d in
                    labels.withUnsafeBufferPointer { l in
                        for y in 0..<height {
                            for x in 0..<width where l[y * width + x] != 0 {
                                var sum = 0.0, f = frequency, a = 1.0
                                for _ in 0..<octaves {
                                    sum += a * gradientNoise(Double(x) * f + offset.0, Double(y) * f + offset.1, p)
                                    f *= 2
                                    a *= 0.5
                                }
                                let i = y * width + x
                                d[i] = clampDepth(Double(d[i]) + scale * sum)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always) static func grad(_ h: UInt8, _ dx: Double, _ dy: Double) -> Double {
        switch h & 7 {
        case 0: return dx + dy
        case 1: return dx - dy
        case 2: return -dx + dy
        case 3: return -dx - dy
        case 4: return dx
        case 5: return -dx
        case 6: return dy
        default: return -dy
        }
    }

    @inline(__always) static func fade(_ t: Double) -> Double { t * t * t * (t * (t * 6 - 15) + 10) }

    /// 2D gradient (Perlin) noise in [-1, 1] for x, y >= 0; `p` is a 512-entry permutation (256 repeated).
    @inline(__always)
    static func gradientNoise(_ x: Double, _ y: Double, _ p: UnsafeBufferPointer<UInt8>) -> Double {
        let ix = Int(x), iy = Int(y)  // floor, as x, y >= 0 (libm's floor is a call on baseline x86-64)
        let fx = Double(ix), fy = Double(iy)
        let xi = ix & 255, yi = iy & 255
        let xf = x - fx, yf = y - fy
        let a = Int(p[xi]) &+ yi, b = Int(p[xi &+ 1]) &+ yi
        let u = fade(xf), v = fade(yf)
        let n00 = grad(p[a], xf, yf), n10 = grad(p[b], xf - 1, yf)
        let n01 = grad(p[a &+ 1], xf, yf - 1), n11 = grad(p[b &+ 1], xf - 1, yf - 1)
        let top = n00 + u * (n10 - n00), bottom = n01 + u * (n11 - n01)
        return max(-1, min(1, top + v * (bottom - top)))
    }

    @inline(__always) static func clampDepth(_ v: Double) -> UInt16 { UInt16(min(max(v.rounded(), 1), 65000)) }

}
