/// Grows the whole subtree under a small node from its pixels' bins, depth-first, with no further
/// image lookups. The same candidates serve every node of a tree, so a pixel's bin for a candidate
/// never changes: it is computed once (1 byte per pixel and candidate) and every node below reads
/// it. Each candidate's histogram holds only the node's present labels and is scanned only at bins
/// that hold pixels, so a node costs what it holds, not candidates x thresholds x labels. Splits go
/// through `SplitSelection.gain` in the same order as the dense path: the same tree, to the bit.
public enum SmallSubtree {
    /// Evaluations of the root and of every node below it that needs one (not a leaf by its totals),
    /// in no particular order. `range` is the root's samples.
    public static func grow(root: NodeKey, level: Int, samples: UnsafeBufferPointer<PixelSample>, range: Range<Int>,
                            frames: FrameStore, candidates: Candidates, binTable: BinTable, labelCount L: Int,
                            rules: StoppingRules, kernel: HistogramKernel) -> [(NodeKey, NodeEvaluation)] {
        let n = range.count, C = candidates.count, B = candidates.bins
        guard n > 0 else { return [] }
        let bins = UnsafeMutablePointer<UInt8>.allocate(capacity: n * C)
        defer { bins.deallocate() }
        kernel.bins(bins, samples: samples, range: range, frames: frames, candidates: candidates, binTable: binTable)
        let scratch = Scratch(pixels: n, bins: B, labels: L)
        defer { scratch.deallocate() }
        var rootTotals = [UInt32](repeating: 0, count: L)
        for i in 0..<n {
            scratch.label[i] = samples[range.lowerBound + i].label
            scratch.perm[i] = Int32(i)
            rootTotals[Int(scratch.label[i])] += 1
        }
        var results: [(NodeKey, NodeEvaluation)] = []
        var stack: [(node: Int, lo: Int, hi: Int, level: Int, totals: [UInt32])] = []
        if !rules.isLeafWithoutSplit(rootTotals, level: level) { stack.append((root.node, 0, n, level, rootTotals)) }
        while let item = stack.popLast() {
            let key = NodeKey(tree: root.tree, node: item.node)
            guard let node = SplitSelection.NodeTotals(item.totals) else {
                results.append((key, NodeEvaluation(totals: item.totals, choice: nil, left: nil)))
                continue
            }
            let choice = best(node, lo: item.lo, hi: item.hi, bins: bins, stride: n, candidates: C, binCount: B,
                              scratch: scratch)
            guard let choice, choice.gain > rules.minGain else {
                results.append((key, NodeEvaluation(totals: item.totals, choice: choice, left: nil)))
                continue
            }
            // Partition the node's pixels: bin <= threshold index goes left (f < threshold).
            let row = bins + choice.candidate * n
            let t = UInt8(choice.threshold)
            var left = [UInt32](repeating: 0, count: L)
            var write = item.lo, spill = 0
            for i in item.lo..<item.hi {
                let p = scratch.perm[i]
                if row[Int(p)] <= t {
                    scratch.perm[write] = p
                    write += 1
                    left[Int(scratch.label[Int(p)])] += 1
                } else {
                    scratch.spill[spill] = p
                    spill += 1
                }
            }
            for k in 0..<spill { scratch.perm[write + k] = scratch.spill[k] }
            let right = zip(item.totals, left).map { $0 &- $1 }
            results.append((key, NodeEvaluation(totals: item.totals, choice: choice, left: left)))
            if !rules.isLeafWithoutSplit(right, level: item.level + 1) {
                stack.append((2 * item.node + 2, write, item.hi, item.level + 1, right))
            }
            if !rules.isLeafWithoutSplit(left, level: item.level + 1) {
                stack.append((2 * item.node + 1, item.lo, write, item.level + 1, left))
            }
        }
        return results
    }

    /// The best split of the node made of perm[lo..<hi], as `SplitSelection.best` would choose it from
    /// the node's dense histogram.
    static func best(_ node: SplitSelection.NodeTotals, lo: Int, hi: Int, bins: UnsafePointer<UInt8>, stride: Int,
                     candidates: Int, binCount B: Int, scratch s: Scratch) -> SplitChoice? {
        let P = node.present.count
        for l in 0..<s.labels { s.slot[l] = 0 }
        for (k, l) in node.present.enumerated() { s.slot[l] = Int32(k) }
        let m = hi - lo
        for i in 0..<m {
            let p = s.perm[lo + i]
            s.member[i] = p
            s.memberSlot[i] = s.slot[Int(s.label[Int(p)])]
        }
        for k in 0..<P { s.totals[k] = node.totals[k] }
        var best: SplitChoice?
        var bestGain = -Double.infinity
        SplitSelection.xlogxTable.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            let hist = s.hist, rowCount = s.rowCount, left = s.left, member = s.member, memberSlot = s.memberSlot
            for c in 0..<candidates {
                let row = bins + c * stride
                for i in 0..<m {
                    let b = Int(row[Int(member[i])])
                    hist[b &* P &+ Int(memberSlot[i])] &+= 1
                    rowCount[b] &+= 1
                }
                for k in 0..<P { left[k] = 0 }
                var nl: UInt32 = 0
                for j in 0..<(B - 1) {
                    let added = rowCount[j]
                    if added == 0 { continue }  // an empty bin: the split of the threshold before
                    let h = hist + j * P
                    for k in 0..<P { left[k] &+= h[k] }
                    nl &+= added
                    if nl == node.n { break }
                    let g = SplitSelection.gain(left: left, totals: s.totals, present: P, nl: nl, n: node.n,
                                                parentEntropy: node.parentEntropy, table: t)
                    if g > bestGain {
                        bestGain = g
                        best = SplitChoice(candidate: c, threshold: j, gain: g)
                    }
                }
                for j in 0..<B where rowCount[j] != 0 {
                    rowCount[j] = 0
                    (hist + j * P).update(repeating: 0, count: P)
                }
            }
        }
        return best
    }

    /// Buffers for one subtree, allocated once.
    struct Scratch {
        let labels: Int
        let label: UnsafeMutablePointer<UInt8>
        let perm, spill, member, memberSlot, slot: UnsafeMutablePointer<Int32>
        let hist, rowCount, left, totals: UnsafeMutablePointer<UInt32>

        init(pixels n: Int, bins B: Int, labels L: Int) {
            labels = L
            label = .allocate(capacity: n)
            perm = .allocate(capacity: n); spill = .allocate(capacity: n)
            member = .allocate(capacity: n); memberSlot = .allocate(capacity: n)
            slot = .allocate(capacity: L)
            hist = .allocate(capacity: B * L); hist.initialize(repeating: 0, count: B * L)
            rowCount = .allocate(capacity: B); rowCount.initialize(repeating: 0, count: B)
            left = .allocate(capacity: L); totals = .allocate(capacity: L)
        }

        func deallocate() {
            label.deallocate(); perm.deallocate(); spill.deallocate(); member.deallocate(); memberSlot.deallocate()
            slot.deallocate(); hist.deallocate(); rowCount.deallocate(); left.deallocate(); totals.deallocate()
        }
    }
}
