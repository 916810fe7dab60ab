import Testing

@testable import RDTCore

@Suite struct SplitEvaluatorTests {
    /// A node's histogram: `pixels` pixels, each with a label and a bin per candidate.
    static func histogram(_ shape: HistogramShape, pixels: Int, seed: UInt64, ties: Bool = false) -> [UInt32] {
        var random = DeterministicRandom(seed)
        var hist = [UInt32](repeating: 0, count: shape.countsPerNode)
        for _ in 0..<pixels {
            let label = random.below(shape.labels)
            for c in 0..<shape.candidates {
                // With `ties`, every candidate sees the same bins: the same gain everywhere.
                let bin = ties ? (label * 2) % shape.bins : (label + random.below(3)) % shape.bins
                hist[(c * shape.bins + bin) * shape.labels + label] += 1
            }
        }
        return hist
    }

    /// Slices of candidates evaluated apart and combined give the whole histogram's evaluation,
    /// for any cut, ties included (the earliest candidate wins, as in one scan).
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func combinedSlicesEqualTheWholeHistogram(seed: UInt64) {
        let shape = HistogramShape(candidates: 13, bins: 6, labels: 5)
        var p = TrainingParameters()
        p.maxDepth = 20
        let evaluator = SplitEvaluator(shape: shape, rules: StoppingRules(p))
        for ties in [false, true] {
            let hist = Self.histogram(shape, pixels: 300, seed: seed, ties: ties)
            let whole = evaluator.evaluate(hist, level: 3)
            #expect(whole.choice != nil)
            for owners in 1...6 {
                let cuts = (0...owners).map { $0 * shape.candidates / owners }
                let parts = (0..<owners).map { k in
                    hist.withUnsafeBufferPointer {
                        evaluator.evaluate(
                            slice: $0.baseAddress! + cuts[k] * shape.countsPerCandidate, candidates: cuts[k]..<cuts[k + 1], level: 3)
                    }
                }
                #expect(SplitEvaluator.combine(parts) == whole, "\(owners) owners, ties \(ties)")
            }
            if ties { #expect(whole.choice?.candidate == 0, "a tie goes to the first candidate") }
        }
    }

    @Test func aLeafByTheRulesHasNoChoiceInAnySlice() {
        let shape = HistogramShape(candidates: 4, bins: 3, labels: 2)
        var p = TrainingParameters()
        p.maxDepth = 4
        let evaluator = SplitEvaluator(shape: shape, rules: StoppingRules(p))
        let hist = Self.histogram(shape, pixels: 50, seed: 9)
        let last = evaluator.evaluate(hist, level: 3)
        #expect(last.choice == nil && last.totals.reduce(0, +) == 50)
        let part = hist.withUnsafeBufferPointer { evaluator.evaluate(slice: $0.baseAddress! + 2 * 6, candidates: 2..<4, level: 3) }
        #expect(part == last)
    }
}
