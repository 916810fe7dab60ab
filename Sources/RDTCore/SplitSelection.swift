import Foundation

/// The best split of a node: candidate index, threshold index and information gain in bits.
public struct SplitChoice: Equatable, Sendable {
    public var candidate: Int
    public var threshold: Int
    public var gain: Double
}

/// Information gain from integer label counts (DESIGN §4), in Double.
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

    /// Shannon entropy in bits of a label histogram.
    public static func entropy(_ counts: [UInt32]) -> Double {
        let n = counts.reduce(UInt64(0)) { $0 + UInt64($1) }
        guard n > 0 else { return 0 }
        var s = 0.0
        for c in counts where c > 0 { s += xlogx(c) }
        return log2(Double(n)) - s / Double(n)
    }

    /// The highest-gain split; splits with an empty side are skipped; ties go to the lowest candidate,
    /// then the lowest threshold. Nil when no split separates the pixels.
    /// gain = H - (nl Hl + nr Hr) / n, with n Hn = xlogx(n) - sum xlogx(count) for each side.
    public static func best(_ hist: UnsafePointer<UInt32>, shape: HistogramShape, totals: [UInt32]) -> SplitChoice? {
        let present = totals.indices.filter { totals[$0] > 0 }
        guard present.count >= 2 else { return nil }
        let n = totals.reduce(UInt32(0), +)
        let nD = Double(n)
        let totalTerm = present.reduce(0.0) { $0 + xlogx(totals[$1]) }
        let parentEntropy = log2(nD) - totalTerm / nD
        let P = present.count
        let thresholds = shape.bins - 1
        var best: SplitChoice?
        var bestGain = -Double.infinity
        var left = [UInt32](repeating: 0, count: P)
        let tot = present.map { totals[$0] }
        xlogxTable.withUnsafeBufferPointer { table in
        let t = table.baseAddress!
        present.withUnsafeBufferPointer { labels in
            tot.withUnsafeBufferPointer { tot in
                left.withUnsafeMutableBufferPointer { left in
                    for c in 0..<shape.candidates {
                        let base = hist + c * shape.countsPerCandidate
                        for k in 0..<P { left[k] = 0 }
                        var nl: UInt32 = 0
                        for j in 0..<thresholds {
                            let row = base + j * shape.labels
                            for k in 0..<P {
                                let v = row[labels[k]]
                                left[k] &+= v
                                nl &+= v
                            }
                            let nr = n &- nl
                            if nl == 0 || nr == 0 { continue }
                            var sl = 0.0, sr = 0.0
                            for k in 0..<P {
                                sl += xlogx(left[k], t)
                                sr += xlogx(tot[k] &- left[k], t)
                            }
                            let gain = parentEntropy - ((xlogx(nl, t) - sl) + (xlogx(nr, t) - sr)) / nD
                            if gain > bestGain {
                                bestGain = gain
                                best = SplitChoice(candidate: c, threshold: j, gain: gain)
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
