import Foundation

/// An 8-bit sRGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// "#rrggbb", for HTML.
    public var hex: String { String(format: "#%02x%02x%02x", r, g, b) }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)

    /// A colour from OKLCH (lightness 0...1, chroma, hue in degrees), clipped to sRGB. OKLab is
    /// perceptually even, so equal steps in it look like equal steps (Björn Ottosson, 2020).
    public init(lightness l: Double, chroma c: Double, hue h: Double) {
        let a = c * cos(h * .pi / 180), b = c * sin(h * .pi / 180)
        let lp = l + 0.3963377774 * a + 0.2158037573 * b
        let mp = l - 0.1055613458 * a - 0.0638541728 * b
        let sp = l - 0.0894841775 * a - 1.2914855480 * b
        let (ll, mm, ss) = (lp * lp * lp, mp * mp * mp, sp * sp * sp)
        let linear = (
            4.0767416621 * ll - 3.3077115913 * mm + 0.2309699292 * ss,
            -1.2684380046 * ll + 2.6097574011 * mm - 0.3413193965 * ss,
            -0.0041960863 * ll - 0.7034186147 * mm + 1.7076147010 * ss
        )
        func encode(_ x: Double) -> UInt8 {
            let v = min(1, max(0, x))
            let s = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055
            return UInt8((255 * s).rounded())
        }
        self.init(encode(linear.0), encode(linear.1), encode(linear.2))
    }

    /// This colour in OKLab (L, a, b), for measuring how far apart two colours look.
    public var oklab: SIMD3<Double> {
        func decode(_ v: UInt8) -> Double {
            let x = Double(v) / 255
            return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        let (r, g, b) = (decode(self.r), decode(self.g), decode(self.b))
        let l = cbrt(0.4122214708 * r + 0.5363032433 * g + 0.0514459929 * b)
        let m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
        let s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
        return SIMD3(
            0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
            1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
            0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s)
    }

    /// The OKLab distance to `other` (about 0.02 is the smallest difference people see).
    public func distance(to other: RGB) -> Double {
        let d = oklab - other.oklab
        return (d * d).sum().squareRoot()
    }

    /// The hue angle in OKLCH, degrees 0..<360.
    public var hue: Double {
        let lab = oklab
        let h = atan2(lab.z, lab.y) * 180 / .pi
        return h < 0 ? h + 360 : h
    }

    /// `self` mixed with `other`: 0 gives self, 1 gives other.
    public func blended(with other: RGB, _ t: Double) -> RGB {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - t) + Double(b) * t).rounded()) }
        return RGB(mix(r, other.r), mix(g, other.g), mix(b, other.b))
    }
}
