import Foundation

/// Grows the whole subtree under a small node from its pixels' bins, depth-first, with no further
/// image lookups. The same candidates serve every node of a tree, so a pixel's bin for a candidate
/// never changes: it is computed once (1 byte per pixel and candidate) and every node below reads
/// it. Each candidate's histogram holds only the node's present labels and is scanned only at bins
/// that hold pixels, so a node costs what it holds, not candidates x thresholds x labels. Splits go
/// through `SplitSelection.gain` in the same order as the dense path: the same tree, to the bit.
public final class SmallSubtree {
    /// One node of the subtree still to evaluate: its pixels sit at positions lo..<hi.
    public struct Task {
        let subtree: SmallSubtree
        let node: Int
        let lo: Int, hi: Int
        let level: Int
        let totals: [UInt32]
    }

    public let root: NodeKey
    let n: Int, C: Int, B: Int, L: Int
    let rules: StoppingRules
    /// bins[c * n + position]: each candidate's row holds every open node's pixels contiguously.
    let bins: UnsafeMutablePointer<UInt8>
    /// label[position].
    let label: UnsafeMutablePointer<UInt8>
    let rootLevel: Int
    let rootTotals: [UInt32]

    /// Computes the bins of the root's pixels (`range` of `samples`), on this thread.
    public init(
        root: NodeKey, level: Int, samples: UnsafeBufferPointer<PixelSample>, range: Range<Int>,
        frames: FrameStore, candidates: Candidates, binTable: BinTable, labelCount: Int, rules: StoppingRules,
        kernel: HistogramKernel
    ) {
        self.root = root
        n = range.count
        C = candidates.count
        B = candidates.bins
        L = labelCount
        self.rules = rules
        bins = .allocate(capacity: max(1, n * C))
        label = .allocate(capacity: max(1, n))
        kernel.bins(bins, samples: samples, range: range, frames: frames, candidates: candidates, binTable: binTable)
        var totals = [UInt32](repeating: 0, count: L)
        for i in 0..<n {
            label[i] = samples[range.lowerBound + i].label
            totals[Int(label[i])] += 1
        }
        rootLevel = level
        rootTotals = totals
    }

    /// A subtree from bins computed elsewhere (a cluster's holders, each for its own pixels):
    /// `parts` are (bins, labels) with bins[c * m + i] for the part's m pixels; the pixels of all
    /// parts together are the root's, in any order (every count is the same).
    public init(
        root: NodeKey, level: Int, parts: [(bins: [UInt8], labels: [UInt8])], candidates: Int, bins binCount: Int,
        labelCount: Int, rules: StoppingRules
    ) {
        self.root = root
        let total = parts.reduce(0) { $0 + $1.labels.count }
        let binsOut = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, total * candidates))
        let labelsOut = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, total))
        var offset = 0
        var totals = [UInt32](repeating: 0, count: labelCount)
        for part in parts {
            let m = part.labels.count
            part.bins.withUnsafeBufferPointer { b in
                for c in 0..<candidates { (binsOut + c * total + offset).update(from: b.baseAddress! + c * m, count: m) }
            }
            for i in 0..<m {
                labelsOut[offset + i] = part.labels[i]
                totals[Int(part.labels[i])] += 1
            }
            offset += m
        }
        n = total
        C = candidates
        B = binCount
        L = labelCount
        self.rules = rules
        bins = binsOut
        label = labelsOut
        rootLevel = level
        rootTotals = totals
    }

    /// Grows `count` subtrees on `threads` threads: one shared queue of node tasks; a new subtree
    /// (largest first by `sizes`) is made by `make` only when no started one has a task left, so
    /// about one subtree per thread holds its bins at a time. `make` returns the subtree and
    /// whether its root's dense histogram is wanted. Which thread evaluated which node does not
    /// change any evaluation.
    public static func growAll(
        _ count: Int, sizes: [Int], level: Int, threads: Int, scratch shape: HistogramShape,
        make: @escaping (Int) -> (SmallSubtree, dense: Bool)
    ) -> SmallSubtreeGrowth {
        let order = (0..<count).sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var results = SmallSubtreeGrowth()
        var tasks: [Task] = []
        var nextRoot = 0
        var running = 0
        let condition = NSCondition()
        let largest = sizes.max() ?? 0
        let work = { (_: Int) in
            let scratch = Scratch(pixels: largest, bins: shape.bins, labels: shape.labels)
            defer { scratch.deallocate() }
            condition.lock()
            while true {
                var task = tasks.popLast()
                if task == nil, nextRoot < order.count {
                    let index = order[nextRoot]
                    nextRoot += 1
                    running += 1
                    condition.unlock()
                    let started = CPUClock.thread
                    let (subtree, wantsDense) = make(index)
                    let dense = wantsDense ? subtree.denseHistogram() : nil
                    let binning = CPUClock.thread - started
                    condition.lock()
                    running -= 1
                    if let dense { results.dense[subtree.root] = dense }
                    results.costs[level, default: LevelCost()].smallBinsCPU += binning
                    task = subtree.rootTask
                    if task == nil {
                        condition.broadcast()
                        continue
                    }
                }
                guard let task else {
                    if running == 0 { break }
                    condition.wait()
                    continue
                }
                running += 1
                condition.unlock()
                let started = CPUClock.thread
                let (key, evaluation, children) = evaluate(task, scratch: scratch)
                let cpu = CPUClock.thread - started
                condition.lock()
                running -= 1
                results.evaluations.append((key, evaluation))
                results.costs[task.level, default: LevelCost()].smallNodesCPU += cpu
                results.costs[task.level, default: LevelCost()].smallNodes += 1
                tasks.append(contentsOf: children)
                condition.broadcast()
            }
            condition.broadcast()
            condition.unlock()
        }
        let threads = min(threads, max(1, count * 2))
        if threads <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: work) }
        return results
    }

    /// The root's task, nil when the root is a leaf by its totals. (Not stored: a task holds its
    /// subtree, which is freed when its last task is done.)
    public var rootTask: Task? {
        guard n > 0, !rules.isLeafWithoutSplit(rootTotals, level: rootLevel) else { return nil }
        return Task(subtree: self, node: root.node, lo: 0, hi: n, level: rootLevel, totals: rootTotals)
    }

    deinit {
        bins.deallocate()
        label.deallocate()
    }

    /// The root's dense histogram, [(candidate * bins + bin) * labels + label], counted from its
    /// bins: the counts the histogram kernel would make, without a single image lookup. Call
    /// before the root's task runs (tasks reorder the positions, not the counts).
    public func denseHistogram() -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: C * B * L) { out, count in
            out.initialize(repeating: 0)
            let h = out.baseAddress!
            for c in 0..<C {
                let row = bins + c * n
                let base = h + c * B * L
                for i in 0..<n { base[Int(row[i]) &* L &+ Int(label[i])] &+= 1 }
            }
            count = C * B * L
        }
    }

    /// Evaluates one node and, where it splits, arranges its children's pixels and returns their
    /// tasks (those not leaves by their totals). Tasks of one subtree touch disjoint positions, so
    /// they may run on different threads at once.
    public static func evaluate(_ task: Task, scratch: Scratch) -> (NodeKey, NodeEvaluation, [Task]) {
        let t = task.subtree
        let key = NodeKey(tree: t.root.tree, node: task.node)
        guard let node = SplitSelection.NodeTotals(task.totals) else {
            return (key, NodeEvaluation(totals: task.totals, choice: nil, left: nil), [])
        }
        let choice = best(
            node, lo: task.lo, hi: task.hi, bins: t.bins, label: t.label, stride: t.n,
            candidates: t.C, binCount: t.B, scratch: scratch)
        guard let choice, choice.gain > t.rules.minGain else {
            return (key, NodeEvaluation(totals: task.totals, choice: choice, left: nil), [])
        }
        // Which pixels go left: bin <= threshold index (f < threshold).
        let m = task.hi - task.lo
        let chosen = t.bins + choice.candidate * t.n + task.lo
        let threshold = UInt8(choice.threshold)
        var left = [UInt32](repeating: 0, count: t.L)
        var nLeft = 0
        for i in 0..<m {
            let goes: UInt8 = chosen[i] <= threshold ? 1 : 0
            scratch.goesLeft[i] = goes
            nLeft += Int(goes)
            if goes != 0 { left[Int(t.label[task.lo + i])] += 1 }
        }
        let right = zip(task.totals, left).map { $0 &- $1 }
        let evaluation = NodeEvaluation(totals: task.totals, choice: choice, left: left)
        let openLeft = !t.rules.isLeafWithoutSplit(left, level: task.level + 1)
        let openRight = !t.rules.isLeafWithoutSplit(right, level: task.level + 1)
        guard openLeft || openRight else { return (key, evaluation, []) }
        // Keep each child's pixels contiguous in every candidate's row, so a node reads its bins in
        // one sequential pass per candidate.
        for c in 0..<t.C { partition(t.bins + c * t.n + task.lo, count: m, scratch: scratch) }
        partition(t.label + task.lo, count: m, scratch: scratch)
        let mid = task.lo + nLeft
        var children: [Task] = []
        if openLeft {
            children.append(
                Task(
                    subtree: t, node: 2 * task.node + 1, lo: task.lo, hi: mid, level: task.level + 1,
                    totals: left))
        }
        if openRight {
            children.append(
                Task(
                    subtree: t, node: 2 * task.node + 2, lo: mid, hi: task.hi, level: task.level + 1,
                    totals: right))
        }
        return (key, evaluation, children)
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
    static func best(
        _ node: SplitSelection.NodeTotals, lo: Int, hi: Int, bins: UnsafePointer<UInt8>,
        label: UnsafePointer<UInt8>, stride: Int, candidates: Int, binCount B: Int,
        scratch s: Scratch
    ) -> SplitChoice? {
        let P = node.present.count
        for l in 0..<s.labels { s.slot[l] = 0 }
        for (k, l) in node.present.enumerated() { s.slot[l] = Int32(k) }
        let m = hi - lo
        for i in 0..<m { s.memberSlot[i] = s.slot[Int(label[lo + i])] }
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
                    let g = SplitSelection.gain(
                        left: left, totals: s.totals, present: P, nl: nl, n: node.n,
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

    /// One thread's buffers, for nodes of up to `pixels` pixels.
    public struct Scratch {
        let labels: Int
        let goesLeft, spill: UnsafeMutablePointer<UInt8>
        let memberSlot, slot: UnsafeMutablePointer<Int32>
        let hist, oddHist, rowCount, left, totals: UnsafeMutablePointer<UInt32>

        public init(pixels n: Int, bins B: Int, labels L: Int) {
            labels = L
            goesLeft = .allocate(capacity: n)
            spill = .allocate(capacity: n)
            memberSlot = .allocate(capacity: n)
            slot = .allocate(capacity: L)
            hist = .allocate(capacity: B * L)
            hist.initialize(repeating: 0, count: B * L)
            oddHist = .allocate(capacity: B * L)
            oddHist.initialize(repeating: 0, count: B * L)
            rowCount = .allocate(capacity: B)
            rowCount.initialize(repeating: 0, count: B)
            left = .allocate(capacity: L)
            totals = .allocate(capacity: L)
        }

        public func deallocate() {
            goesLeft.deallocate()
            spill.deallocate()
            memberSlot.deallocate()
            slot.deallocate()
            hist.deallocate()
            oddHist.deallocate()
            rowCount.deallocate()
            left.deallocate()
            totals.deallocate()
        }
    }
}
