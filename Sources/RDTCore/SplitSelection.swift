import Foundation

/// Information gain from integer label counts, in Double. Every split of every node, dense or
/// small, goes through `gain(...)` with the present labels in ascending order, so a split's gain is
/// the same to the bit whichever path computed it.
public enum SplitSelection {
    /// x log2 x for x = 0...4095, shared by every node.
    static let xlogxTable: [Double] = (0..<4096).map { $0 == 0 ? 0 : Double($0) * log2(Double($0)) }

    @inline(__always) static func xlogx(_ x: UInt32) -> Double {
        x < 4096 ? xlogxTable[Int(x)] : Double(x) * log2(Double(x))
    }

    /// xlogx through a table pointer taken once (a static's lazy-initialization check per call
    /// showed up at 3% of the coordinator's time).
    @inline(__always) static func xlogx(_ x: UInt32, _ table: UnsafePointer<Double>) -> Double {
        x < 4096 ? table[Int(x)] : Double(x) * log2(Double(x))
    }

    /// Label totals of a node: the sum over bins of its first candidate.
    public static func totals(_ hist: UnsafePointer<UInt32>, shape: HistogramShape) -> [UInt32] {
        var totals = [UInt32](repeating: 0, count: shape.labels)
        for b in 0..<shape.bins {
            for l in 0..<shape.labels { totals[l] &+= hist[b * shape.labels + l] }
        }
        return totals
    }

    /// What every split evaluation of a node shares: its present labels (ascending), their totals,
    /// the pixel count and the parent's entropy.
    public struct NodeTotals {
        public let present: [Int]
        public let totals: [UInt32]
        public let n: UInt32
        public let parentEntropy: Double

        /// Nil when fewer than two labels are present: no split can separate anything.
        public init?(_ all: [UInt32]) {
            present = all.indices.filter { all[$0] > 0 }
            guard present.count >= 2 else { return nil }
            totals = present.map { all[$0] }
            n = all.reduce(UInt32(0), +)
            let nD = Double(n)
            let totalTerm = present.reduce(0.0) { $0 + xlogx(all[$1]) }
            parentEntropy = log2(nD) - totalTerm / nD
        }
    }

    /// gain = H - (nl Hl + nr Hr) / n with n Hn = xlogx(n) - sum xlogx(count) for each side, summed
    /// over the P present labels in order. nl and n - nl must both be > 0.
    @inline(__always)
    static func gain(
        left: UnsafePointer<UInt32>, totals: UnsafePointer<UInt32>, present P: Int, nl: UInt32, n: UInt32,
        parentEntropy: Double, table t: UnsafePointer<Double>
    ) -> Double {
        let nr = n &- nl
        var sl = 0.0, sr = 0.0
        for k in 0..<P {
            sl += xlogx(left[k], t)
            sr += xlogx(totals[k] &- left[k], t)
        }
        return parentEntropy - ((xlogx(nl, t) - sl) + (xlogx(nr, t) - sr)) / Double(n)
    }

    /// The highest-gain split; splits with an empty side are skipped; ties go to the lowest candidate,
    /// then the lowest threshold. Nil when no split separates the pixels.
    /// An empty bin leaves the split where the threshold before it left it: the same gain, which
    /// cannot beat itself, so it is skipped without summing.
    public static func best(_ hist: UnsafePointer<UInt32>, shape: HistogramShape, totals: [UInt32]) -> SplitChoice? {
        guard let node = NodeTotals(totals) else { return nil }
        let P = node.present.count
        let thresholds = shape.bins - 1
        var best: SplitChoice?
        var bestGain = -Double.infinity
        var left = [UInt32](repeating: 0, count: P)
        xlogxTable.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            node.present.withUnsafeBufferPointer { labels in
                node.totals.withUnsafeBufferPointer { tot in
                    left.withUnsafeMutableBufferPointer { left in
                        let lp = left.baseAddress!
                        for c in 0..<shape.candidates {
                            let base = hist + c * shape.countsPerCandidate
                            for k in 0..<P { lp[k] = 0 }
                            var nl: UInt32 = 0
                            for j in 0..<thresholds {
                                let row = base + j * shape.labels
                                var added: UInt32 = 0
                                for k in 0..<P {
                                    let v = row[labels[k]]
                                    lp[k] &+= v
                                    added &+= v
                                }
                                if added == 0 { continue }
                                nl &+= added
                                if nl == node.n { break }  // every later threshold leaves the right side empty
                                let g = gain(
                                    left: lp, totals: tot.baseAddress!, present: P, nl: nl, n: node.n,
                                    parentEntropy: node.parentEntropy, table: t)
                                if g > bestGain {
                                    bestGain = g
                                    best = SplitChoice(candidate: c, threshold: j, gain: g)
                                }
                            }
                        }
                    }
                }
            }
        }
        return best
    }

    /// Label counts of the left side (f < threshold) of a split.
    public static func leftTotals(_ hist: UnsafePointer<UInt32>, shape: HistogramShape, choice: SplitChoice) -> [UInt32] {
        var left = [UInt32](repeating: 0, count: shape.labels)
        let base = hist + choice.candidate * shape.countsPerCandidate
        for b in 0...choice.threshold {
            for l in 0..<shape.labels { left[l] &+= base[b * shape.labels + l] }
        }
        return left
    }

    /// A leaf's label probabilities: the normalized histogram.
    public static func probabilities(_ totals: [UInt32]) -> [Float] {
        let n = Double(totals.reduce(UInt64(0)) { $0 + UInt64($1) })
        return totals.map { n > 0 ? Float(Double($0) / n) : 0 }
    }
}
