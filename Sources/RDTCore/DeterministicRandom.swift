import Foundation

/// A small, fast generator (SplitMix64) whose stream depends only on the values it was seeded with.
/// Canopy seeds one per (seed, tree, purpose, position), never per worker or thread.
public struct DeterministicRandom: Sendable {
    private var state: UInt64

    /// Seeds from a list of integers; the same list always gives the same stream.
    public init(_ parts: UInt64...) {
        var s: UInt64 = 0x9E37_79B9_7F4A_7C15
        for part in parts { s = DeterministicRandom.mix(s ^ DeterministicRandom.mix(part &+ 0x632B_E59B_D9B4_E019)) }
        state = s
    }

    @inline(__always) static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (multiply-shift; bound > 0).
    @inline(__always) public mutating func below(_ bound: Int) -> Int {
        Int((UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(bound)) >> 32)
    }

    /// Uniform in [0, 1) with 24 bits.
    @inline(__always) public mutating func unitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) with 53 bits.
    @inline(__always) public mutating func unitDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unitFloat() }
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unitDouble() }

    /// Standard normal (Box-Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(unitDouble(), 1e-300), u2 = unitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
