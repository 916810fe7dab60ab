import Foundation

/// Maps a feature value to its bin with one clamp and one load.
public struct BinTable: Sendable {
    /// table[i] is the bin of f = lowest - 1 + i.
    public let table: [UInt8]
    public let lowest: Int32

    public init(thresholds: [Int32]) {
        let lo = thresholds.first ?? 0, hi = thresholds.last ?? 0
        lowest = lo
        var table = [UInt8](repeating: 0, count: Int(hi - lo) + 2)
        var b = 0
        for i in 0..<table.count {
            let f = lo - 1 + Int32(i)
            while b < thresholds.count && thresholds[b] <= f { b += 1 }
            table[i] = UInt8(b)
        }
        self.table = table
    }

    /// The table with each bin multiplied by `labels`: the offset of the bin's row in a candidate's counts.
    public func scaledTable(labels: Int) -> [UInt16] { table.map { UInt16(Int($0) * labels) } }
}
