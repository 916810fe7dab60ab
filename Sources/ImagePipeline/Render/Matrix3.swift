import Dataset
import Foundation

/// A 3x3 rotation matrix (rows).
public struct Matrix3: Sendable {
    public var r0, r1, r2: SIMD3<Double>
    public static let identity = Matrix3(r0: SIMD3(1, 0, 0), r1: SIMD3(0, 1, 0), r2: SIMD3(0, 0, 1))

    public static func rotation(axis: Int, degrees: Double) -> Matrix3 {
        let a = degrees * Double.pi / 180, c = cos(a), s = sin(a)
        switch axis {
        case 0: return Matrix3(r0: SIMD3(1, 0, 0), r1: SIMD3(0, c, -s), r2: SIMD3(0, s, c))
        case 1: return Matrix3(r0: SIMD3(c, 0, s), r1: SIMD3(0, 1, 0), r2: SIMD3(-s, 0, c))
        default: return Matrix3(r0: SIMD3(c, -s, 0), r1: SIMD3(s, c, 0), r2: SIMD3(0, 0, 1))
        }
    }

    public static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.r0 * v).sum(), (m.r1 * v).sum(), (m.r2 * v).sum())
    }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let c0 = SIMD3(b.r0.x, b.r1.x, b.r2.x), c1 = SIMD3(b.r0.y, b.r1.y, b.r2.y), c2 = SIMD3(b.r0.z, b.r1.z, b.r2.z)
        return Matrix3(
            r0: SIMD3((a.r0 * c0).sum(), (a.r0 * c1).sum(), (a.r0 * c2).sum()),
            r1: SIMD3((a.r1 * c0).sum(), (a.r1 * c1).sum(), (a.r1 * c2).sum()),
            r2: SIMD3((a.r2 * c0).sum(), (a.r2 * c1).sum(), (a.r2 * c2).sum()))
    }
}
