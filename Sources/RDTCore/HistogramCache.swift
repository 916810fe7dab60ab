/// Dense parent histograms kept from one level to the next for subtraction (a large child =
/// its parent - its smaller sibling), within a byte budget (`histogram_cache_mem`).
public struct HistogramCache: Sendable {
    public let budget: Int
    private var histograms: [NodeKey: [UInt32]] = [:]
    public private(set) var bytes = 0

    public init(budget: Int) { self.budget = budget }

    public var count: Int { histograms.count }

    /// Keeps `hist` as `key`'s histogram if it fits the budget.
    mutating func keep(_ hist: [UInt32], for key: NodeKey) {
        guard bytes + hist.count * 4 <= budget else { return }
        histograms[key] = hist
        bytes += hist.count * 4
    }

    func contains(_ key: NodeKey) -> Bool { histograms[key] != nil }

    /// Removes `key`'s histogram and returns it: each is let go as soon as it is used.
    mutating func take(_ key: NodeKey) -> [UInt32]? {
        guard let hist = histograms.removeValue(forKey: key) else { return nil }
        bytes -= hist.count * 4
        return hist
    }

    /// Lets go of every histogram but those of `keys`.
    mutating func retain(_ keys: Set<NodeKey>) {
        histograms = histograms.filter { keys.contains($0.key) }
        bytes = histograms.values.reduce(0) { $0 + $1.count * 4 }
    }
}
