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

/// The noise operations on a full frame (depth mm, packed labels), seeded per frame.
public enum Noise {
    /// sigma of a Gaussian whose full width at a tenth of the maximum is `fwtm`: fwtm / (2 sqrt(2 ln 10)).
    public static func sigma(fwtm: Double) -> Double { fwtm / (2 * (2 * log(10.0)).squareRoot()) }

    public static func apply(
        _ op: NoiseOp, depth: inout [UInt16], labels: inout [UInt8], width: Int, height: Int,
        rng: inout DeterministicRandom
    ) {
        switch op {
        case .foregroundEdgeSwizzle:
            let d0 = depth, l0 = labels
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    guard l0[i] != 0 else { continue }
                    let edge =
                        (x == 0 || l0[i - 1] == 0) || (x == width - 1 || l0[i + 1] == 0)
                        || (y == 0 || l0[i - width] == 0) || (y == height - 1 || l0[i + width] == 0)
                    guard edge, rng.below(2) == 0 else { continue }
                    let nx = min(max(x + rng.below(3) - 1, 0), width - 1), ny = min(max(y + rng.below(3) - 1, 0), height - 1)
                    let j = ny * width + nx
                    depth[i] = d0[j]
                    labels[i] = l0[j]
                    depth[j] = d0[i]
                    labels[j] = l0[i]
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
