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
            // Which pixels go left: bin <= threshold index (f < threshold).
            let m = item.hi - item.lo
            let chosen = bins + choice.candidate * n + item.lo
            let t = UInt8(choice.threshold)
            var left = [UInt32](repeating: 0, count: L)
            var nLeft = 0
            for i in 0..<m {
                let goes: UInt8 = chosen[i] <= t ? 1 : 0
                scratch.goesLeft[i] = goes
                nLeft += Int(goes)
                if goes != 0 { left[Int(scratch.label[item.lo + i])] += 1 }
            }
            let right = zip(item.totals, left).map { $0 &- $1 }
            results.append((key, NodeEvaluation(totals: item.totals, choice: choice, left: left)))
            let openLeft = !rules.isLeafWithoutSplit(left, level: item.level + 1)
            let openRight = !rules.isLeafWithoutSplit(right, level: item.level + 1)
            guard openLeft || openRight else { continue }
            // Keep each child's pixels contiguous in every candidate's row, so a node reads its
            // bins in one sequential pass per candidate.
            for c in 0..<C { partition(bins + c * n + item.lo, count: m, scratch: scratch) }
            partition(scratch.label + item.lo, count: m, scratch: scratch)
            let mid = item.lo + nLeft
            if openRight { stack.append((2 * item.node + 2, mid, item.hi, item.level + 1, right)) }
            if openLeft { stack.append((2 * item.node + 1, item.lo, mid, item.level + 1, left)) }
        }
        return results
    }

    /// Stable partition of `count` bytes by `scratch.goesLeft`: those going left first.
    @inline(__always)
    static func partition(_ seg: UnsafeMutablePointer<UInt8>, count m: Int, scratch s: Scratch) {
        let goes = s.goesLeft, spill = s.spill
        var l = 0, r = 0
        for i in 0..<m {
            let v = seg[i], g = Int(goes[i])
            seg[l] = v
            spill[r] = v
            l &+= g
            r &+= 1 &- g
        }
        (seg + l).update(from: spill, count: r)
    }

    /// The best split of the node whose pixels sit at positions lo..<hi, as `SplitSelection.best` would choose it from
    /// the node's dense histogram.
    static func best(_ node: SplitSelection.NodeTotals, lo: Int, hi: Int, bins: UnsafePointer<UInt8>, stride: Int,
                     candidates: Int, binCount B: Int, scratch s: Scratch) -> SplitChoice? {
        let P = node.present.count
        for l in 0..<s.labels { s.slot[l] = 0 }
        for (k, l) in node.present.enumerated() { s.slot[l] = Int32(k) }
        let m = hi - lo
        for i in 0..<m { s.memberSlot[i] = s.slot[Int(s.label[lo + i])] }
        for k in 0..<P { s.totals[k] = node.totals[k] }
        var best: SplitChoice?
        var bestGain = -Double.infinity
        SplitSelection.xlogxTable.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            let hist = s.hist, rowCount = s.rowCount, left = s.left, memberSlot = s.memberSlot
            for c in 0..<candidates {
                let row = bins + c * stride + lo
                if m < 4 * B {
                    for i in 0..<m {
                        let b = Int(row[i])
                        hist[b &* P &+ Int(memberSlot[i])] &+= 1
                        rowCount[b] &+= 1
                    }
                } else {
                    // Many pixels: two copies of the counts, so neighbours falling in the same bin
                    // do not wait on each other's increment; merged, with the bins' pixel counts.
                    let odd = s.oddHist
                    var i = 0
                    while i + 1 < m {
                        hist[Int(row[i]) &* P &+ Int(memberSlot[i])] &+= 1
                        odd[Int(row[i + 1]) &* P &+ Int(memberSlot[i + 1])] &+= 1
                        i += 2
                    }
                    if i < m { hist[Int(row[i]) &* P &+ Int(memberSlot[i])] &+= 1 }
                    for j in 0..<B {
                        var sum: UInt32 = 0
                        let a = hist + j * P, o = odd + j * P
                        for k in 0..<P {
                            let v = a[k] &+ o[k]
                            a[k] = v
                            o[k] = 0
                            sum &+= v
                        }
                        rowCount[j] = sum
                    }
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
        let label, goesLeft, spill: UnsafeMutablePointer<UInt8>
        let memberSlot, slot: UnsafeMutablePointer<Int32>
        let hist, oddHist, rowCount, left, totals: UnsafeMutablePointer<UInt32>

        init(pixels n: Int, bins B: Int, labels L: Int) {
            labels = L
            label = .allocate(capacity: n); goesLeft = .allocate(capacity: n); spill = .allocate(capacity: n)
            memberSlot = .allocate(capacity: n)
            slot = .allocate(capacity: L)
            hist = .allocate(capacity: B * L); hist.initialize(repeating: 0, count: B * L)
            oddHist = .allocate(capacity: B * L); oddHist.initialize(repeating: 0, count: B * L)
            rowCount = .allocate(capacity: B); rowCount.initialize(repeating: 0, count: B)
            left = .allocate(capacity: L); totals = .allocate(capacity: L)
        }

        func deallocate() {
            label.deallocate(); goesLeft.deallocate(); spill.deallocate(); memberSlot.deallocate()
            slot.deallocate(); hist.deallocate(); oddHist.deallocate(); rowCount.deallocate(); left.deallocate(); totals.deallocate()
        }
    }
}
