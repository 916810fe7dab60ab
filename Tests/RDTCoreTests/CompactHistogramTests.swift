import Testing

@testable import RDTCore

@Suite struct CompactHistogramTests {
    /// 2-byte counters exactly when every count fits; the counts and subtraction are the same in
    /// either form.
    @Test func narrowWhereEveryCountFitsAndTheSameCountsEitherWay() {
        var random = DeterministicRandom(4)
        let small = (0..<500).map { _ in UInt32(random.below(65_536)) }
        var large = small
        large[123] = 65_536
        let narrow = CompactHistogram(small)
        let wide = CompactHistogram(large)
        guard case .narrow = narrow, case .wide = wide else {
            Issue.record("forms: \(narrow.bytes) and \(wide.bytes) bytes")
            return
        }
        #expect(narrow.bytes == 1000 && wide.bytes == 2000)
        #expect(narrow.counts == small && wide.counts == large)
        for (hist, counts) in [(narrow, small), (wide, large)] {
            var parent = counts.map { $0 + 7 }
            hist.subtract(from: &parent)
            #expect(parent == [UInt32](repeating: 7, count: counts.count))
        }
    }

    /// The cache holds a histogram whose counts fit in half the bytes, and gives back the counts.
    @Test func theCacheKeepsNarrowHistogramsInHalfTheBudget() {
        let counts = [UInt32](repeating: 3, count: 1000)
        // 1000 counts: 4000 bytes wide, 2000 narrow; two fit a budget of 4000.
        var cache = HistogramCache(budget: 4000)
        cache.keep(counts, for: NodeKey(tree: 0, node: 1))
        cache.keep(counts, for: NodeKey(tree: 0, node: 2))
        #expect(cache.count == 2 && cache.bytes == 4000)
        cache.keep(counts, for: NodeKey(tree: 0, node: 3))
        #expect(cache.count == 2, "a third histogram went over the budget")
        #expect(cache.take(NodeKey(tree: 0, node: 1)) == counts)
        #expect(cache.bytes == 2000)
    }
}
