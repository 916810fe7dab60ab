import Foundation

/// Round tick values for an axis from 0 (or a negative minimum) to at least the largest value:
/// steps of 1, 2 or 5 times a power of ten, about five of them.
public struct AxisTicks: Equatable, Sendable {
    public let values: [Double]
    public let step: Double

    public init(low: Double, high: Double, count: Int = 5) {
        let lo = min(0, low.isFinite ? low : 0)
        var hi = high.isFinite ? high : 1
        if hi <= lo { hi = lo + 1 }
        let raw = (hi - lo) / Double(max(1, count))
        let power = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = (lo / step).rounded(.down) * step
        var values: [Double] = []
        var v = first
        while v < hi + step * 0.999 && values.count < 50 {
            values.append(v)
            v += step
        }
        self.values = values
        self.step = step
    }

    public var low: Double { values.first ?? 0 }
    public var high: Double { values.last ?? 1 }

    /// A tick's text: thousands as k, millions as M, decimals only where the step needs them.
    public func label(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1_000_000 && step >= 100_000 { return trim(v / 1_000_000) + "M" }
        if a >= 1000 && step >= 100 { return trim(v / 1000) + "k" }
        if step >= 1 { return String(format: "%.0f", v) }
        let decimals = min(6, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", v)
    }

    func trim(_ x: Double) -> String {
        let s = String(format: "%.1f", x)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }
}
