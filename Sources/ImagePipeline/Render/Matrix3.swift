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

    public var transposed: Matrix3 {
        Matrix3(r0: SIMD3(r0.x, r1.x, r2.x), r1: SIMD3(r0.y, r1.y, r2.y), r2: SIMD3(r0.z, r1.z, r2.z))
    }

    /// The smallest rotation turning direction `a` onto direction `b` (identity when either is ~0).
    public static func turning(_ a: SIMD3<Double>, onto b: SIMD3<Double>) -> Matrix3 {
        let la = (a * a).sum().squareRoot(), lb = (b * b).sum().squareRoot()
        guard la > 1e-9, lb > 1e-9 else { return .identity }
        let u = a / la, v = b / lb
        let axis = SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
        let s = (axis * axis).sum().squareRoot(), c = (u * v).sum()
        if s < 1e-12 {
            if c > 0 { return .identity }
            // Opposite directions: half a turn about any axis perpendicular to u.
            let p = abs(u.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 1, 0)
            var n = p - u * (p * u).sum()
            n /= (n * n).sum().squareRoot()
            return Matrix3(r0: 2 * n.x * n - SIMD3(1, 0, 0), r1: 2 * n.y * n - SIMD3(0, 1, 0), r2: 2 * n.z * n - SIMD3(0, 0, 1))
        }
        return rotation(axis: axis / s, cos: c, sin: s)
    }

    /// Rotation by the angle with cosine `c` and sine `s` about the unit `axis` (Rodrigues).
    public static func rotation(axis k: SIMD3<Double>, cos c: Double, sin s: Double) -> Matrix3 {
        let t = 1 - c
        return Matrix3(
            r0: SIMD3(t * k.x * k.x + c, t * k.x * k.y - s * k.z, t * k.x * k.z + s * k.y),
            r1: SIMD3(t * k.x * k.y + s * k.z, t * k.y * k.y + c, t * k.y * k.z - s * k.x),
            r2: SIMD3(t * k.x * k.z - s * k.y, t * k.y * k.z + s * k.x, t * k.z * k.z + c))
    }

    /// The rotation whose columns are `x`, `y`, `z` (an orthonormal frame).
    public static func columns(_ x: SIMD3<Double>, _ y: SIMD3<Double>, _ z: SIMD3<Double>) -> Matrix3 {
        Matrix3(r0: SIMD3(x.x, y.x, z.x), r1: SIMD3(x.y, y.y, z.y), r2: SIMD3(x.z, y.z, z.z))
    }
}
