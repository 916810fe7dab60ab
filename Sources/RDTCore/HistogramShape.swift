import Foundation

/// Shape of one node's histogram: counts[(candidate * bins + bin) * labels + label].
public struct HistogramShape: Equatable, Sendable {
    public var candidates: Int
    public var bins: Int
    public var labels: Int

    public init(candidates: Int, bins: Int, labels: Int) {
        self.candidates = candidates
        self.bins = bins
        self.labels = labels
    }

    public var countsPerNode: Int { candidates * bins * labels }
    public var countsPerCandidate: Int { bins * labels }

    /// Whether a node with `pixels` samples can be counted in UInt16 without overflow.
    public static func fitsUInt16(pixels: Int) -> Bool { pixels <= Int(UInt16.max) }
}
