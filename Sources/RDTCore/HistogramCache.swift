/// Dense parent histograms kept from one level to the next for subtraction (a large child =
/// its parent - its smaller sibling), within a byte budget (`histogram_cache_mem`), each in 2-byte
/// counters where its counts fit (`CompactHistogram`). With an
/// evaluating source the histograms stay with the source's workers: the cache then holds only
/// which nodes have one (`keepElsewhere`), with the same budget, so the plan is the same.
public struct HistogramCache: Sendable {
    public let budget: Int
    private var histograms: [NodeKey: CompactHistogram] = [:]
    /// Nodes whose histogram the source keeps, with its size in bytes.
    private var elsewhere: [NodeKey: Int] = [:]
    public private(set) var bytes = 0

    public init(budget: Int) { self.budget = budget }

    public var count: Int { histograms.count + elsewhere.count }

    /// Keeps `hist` as `key`'s histogram if it fits the budget.
    mutating func keep(_ hist: [UInt32], for key: NodeKey) {
        let kept = CompactHistogram(hist)
        guard bytes + kept.bytes <= budget else { return }
        histograms[key] = kept
        bytes += kept.bytes
    }

    /// Notes that the source keeps `key`'s histogram of `size` bytes, if it fits the budget.
    mutating func keepElsewhere(_ key: NodeKey, size: Int) {
        guard bytes + size <= budget else { return }
        elsewhere[key] = size
        bytes += size
    }

    /// The nodes whose histograms the source keeps.
    var keptElsewhere: Set<NodeKey> { Set(elsewhere.keys) }

    func contains(_ key: NodeKey) -> Bool { histograms[key] != nil || elsewhere[key] != nil }

    /// Removes `key`'s histogram and returns it: each is let go as soon as it is used.
    mutating func take(_ key: NodeKey) -> [UInt32]? {
        if let size = elsewhere.removeValue(forKey: key) { bytes -= size }
        guard let hist = histograms.removeValue(forKey: key) else { return nil }
        bytes -= hist.bytes
        return hist.counts
    }

    /// Lets go of every histogram but those of `keys`.
    mutating func retain(_ keys: Set<NodeKey>) {
        histograms = histograms.filter { keys.contains($0.key) }
        elsewhere = elsewhere.filter { keys.contains($0.key) }
        bytes = histograms.values.reduce(0) { $0 + $1.bytes } + elsewhere.values.reduce(0, +)
    }
}
