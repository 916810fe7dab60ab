/// A dense histogram held between uses (a kept parent, a small root's counts): 2-byte counters
/// where every count fits, 4-byte otherwise. Most nodes below the root have fewer than 65,536
/// pixels of any one label, so most histograms held take half the memory.
public enum CompactHistogram: Sendable, Equatable {
    case narrow([UInt16])
    case wide([UInt32])

    /// The narrowest form that holds every count of `counts`.
    public init(_ counts: [UInt32]) {
        if counts.allSatisfy({ $0 <= UInt32(UInt16.max) }) {
            self = .narrow(counts.map { UInt16(truncatingIfNeeded: $0) })
        } else {
            self = .wide(counts)
        }
    }

    /// Bytes of counters held.
    public var bytes: Int {
        switch self {
        case .narrow(let c): return c.count * 2
        case .wide(let c): return c.count * 4
        }
    }

    /// The counts as 4-byte counters.
    public var counts: [UInt32] {
        switch self {
        case .narrow(let c): return c.map(UInt32.init)
        case .wide(let c): return c
        }
    }

    /// parent -= these counts, counter by counter.
    public func subtract(from parent: inout [UInt32]) {
        switch self {
        case .narrow(let c):
            parent.withUnsafeMutableBufferPointer { p in
                c.withUnsafeBufferPointer { c in for i in 0..<p.count { p[i] &-= UInt32(c[i]) } }
            }
        case .wide(let c): SplitEvaluator.subtract(c, from: &parent)
        }
    }
}
