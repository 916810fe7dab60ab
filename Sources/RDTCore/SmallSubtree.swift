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
        /// The node's best split, where its parent's pass worked it out (`worked`).
        var choice: SplitChoice? = nil
        var worked = false
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
        let order = largestFirst(sizes)
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

    /// The indices of `sizes`, largest first (ties: the earlier index): the order subtrees are
    /// started in here and given to workers in a cluster.
    public static func largestFirst(_ sizes: [Int]) -> [Int] {
        sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
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
    /// bins: the counts the histogram kernel would make, without a single image lookup, held in
    /// 2-byte counters where the root has fewer than 65,536 pixels. Call before the root's task
    /// runs (tasks reorder the positions, not the counts).
    public func denseHistogram() -> CompactHistogram {
        func counted<T: FixedWidthInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: C * B * L) { out, count in
                Self.countDense(out.baseAddress!, bins: bins, labels: label, pixels: n, candidates: C, binCount: B, labelCount: L)
                count = C * B * L
            }
        }
        return n <= Int(UInt16.max) ? .narrow(counted(UInt16.self)) : .wide(counted(UInt32.self))
    }

    /// Zeroes `out` (candidates x bins x labels counters) and counts into it the `n` pixels whose
    /// bins are `bins[c * n + i]` and labels `labels[i]`, as the histogram kernel lays them out.
    public static func countDense<T: FixedWidthInteger>(
        _ out: UnsafeMutablePointer<T>, bins: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, pixels n: Int, candidates C: Int,
        binCount B: Int, labelCount L: Int
    ) {
        out.initialize(repeating: 0, count: C * B * L)
        for c in 0..<C {
            let row = bins + c * n
            let base = out + c * B * L
            for i in 0..<n { base[Int(row[i]) &* L &+ Int(labels[i])] &+= 1 }
        }
    }

    /// Evaluates one node and, where it splits, arranges its children's pixels and returns their
    /// tasks (those not leaves by their totals), each with its best split: one pass per candidate
    /// moves the node's bins to its children's halves and counts both children's histograms, so
    /// the children never read their bins again to choose. Tasks of one subtree touch disjoint
    /// positions, so they may run on different threads at once.
    public static func evaluate(_ task: Task, scratch: Scratch) -> (NodeKey, NodeEvaluation, [Task]) {
        let t = task.subtree
        let key = NodeKey(tree: t.root.tree, node: task.node)
        guard let node = SplitSelection.NodeTotals(task.totals) else {
            return (key, NodeEvaluation(totals: task.totals, choice: nil, left: nil), [])
        }
        let choice =
            task.worked
            ? task.choice
            : best(
                node, lo: task.lo, hi: task.hi, bins: t.bins, label: t.label, stride: t.n, candidates: t.C, binCount: t.B, scratch: scratch)
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
        // one sequential pass per candidate; the same pass counts the open children.
        let sides = [openLeft ? SplitSelection.NodeTotals(left) : nil, openRight ? SplitSelection.NodeTotals(right) : nil]
        let bests = splitAndChoose(task, sides: sides, scratch: scratch)
        partition(t.label + task.lo, count: m, scratch: scratch)
        let mid = task.lo + nLeft
        var children: [Task] = []
        if openLeft {
            children.append(
                Task(
                    subtree: t, node: 2 * task.node + 1, lo: task.lo, hi: mid, level: task.level + 1, totals: left,
                    choice: bests[0], worked: true))
        }
        if openRight {
            children.append(
                Task(
                    subtree: t, node: 2 * task.node + 2, lo: mid, hi: task.hi, level: task.level + 1, totals: right,
                    choice: bests[1], worked: true))
        }
        return (key, evaluation, children)
    }

    /// Stable partition of `count` bytes by `scratch.goesLeft`: those going left first.
    @inline(__always)
    static func partition(_ seg: UnsafeMutablePointer<UInt8>, count m: Int, scratch s: Scratch) {
        var mover = Mover(row: seg, spill: s.spill)
        for i in 0..<m { mover.put(seg[i], left: Int(s.goesLeft[i])) }
        mover.finish()
    }

    /// Moves a row's bytes to their sides as they are read, in order: left ones to the front of
    /// the row at once, right ones to `spill` until `finish` puts them after the left ones.
    struct Mover {
        let row, spill: UnsafeMutablePointer<UInt8>
        var l = 0, r = 0

        init(row: UnsafeMutablePointer<UInt8>, spill: UnsafeMutablePointer<UInt8>) {
            self.row = row
            self.spill = spill
        }

        /// The next byte, going left (`left` 1) or right (0).
        @inline(__always) mutating func put(_ v: UInt8, left g: Int) {
            row[l] = v
            spill[r] = v
            l &+= g
            r &+= 1 &- g
        }

        @inline(__always) func finish() { (row + l).update(from: spill, count: r) }
    }

    /// One side of a pass that is counted: its present labels' counters start at `offset` of
    /// each bin's `width`.
    struct Side {
        let present: Int
        let offset: Int
        let n: UInt32
        let parentEntropy: Double
    }

    /// The histogram layout of one pass: `width` counters, each a row of every bin's count
    /// (counter k, bin j at k x bins + j, so a pixel's place is its counter's start plus its bin);
    /// each counted side has its present labels from its offset, the pixels of a side not counted
    /// go to the last counter.
    struct Layout {
        let width: Int
        /// Per side (in order), nil where it is not counted.
        let sides: [Side?]

        /// Fills `scratch.memberSlot` with the start of each position's counter (`side(i)`: its
        /// side's index) and `scratch.totals` with the counted sides' label totals.
        init(
            _ nodes: [SplitSelection.NodeTotals?], labels: UnsafePointer<UInt8>, count m: Int, bins B: Int,
            side: (Int) -> Int, scratch s: Scratch
        ) {
            var sides: [Side?] = []
            var width = 0
            for (k, node) in nodes.enumerated() {
                guard let node else {
                    sides.append(nil)
                    continue
                }
                for (j, l) in node.present.enumerated() {
                    s.slot[k * s.labels + l] = UInt32((width + j) * B)
                    s.totals[width + j] = node.totals[j]
                }
                sides.append(Side(present: node.present.count, offset: width, n: node.n, parentEntropy: node.parentEntropy))
                width += node.present.count
            }
            let trash = UInt32(width * B)
            for (k, node) in nodes.enumerated() where node == nil {
                for l in 0..<s.labels { s.slot[k * s.labels + l] = trash }
            }
            self.width = width + 1
            self.sides = sides
            for i in 0..<m { s.memberSlot[i] = s.slot[side(i) * s.labels + Int(labels[i])] }
        }
    }

    /// The best split found so far for each side of a pass.
    struct Bests {
        var choice: [SplitChoice?]
        var gain: [Double]

        init(sides: Int) {
            choice = Array(repeating: nil, count: sides)
            gain = Array(repeating: -Double.infinity, count: sides)
        }
    }

    /// Counts the `m` bins of `row` into `scratch.hist` by each position's counter (two copies
    /// where many pixels could collide, merged) and marks in `rowCount` the bins that hold pixels;
    /// with `partitioning`, also moves the row's bins to their sides (as `partition`).
    @inline(__always)
    static func count(
        _ row: UnsafeMutablePointer<UInt8>, count m: Int, width W: Int, bins B: Int, partitioning: Bool, narrow: Bool,
        scratch s: Scratch
    ) -> UInt64 {
        let hist = s.hist, rowCount = s.rowCount, memberSlot = s.memberSlot, goes = s.goesLeft
        var mover = Mover(row: row, spill: s.spill)
        var touched: UInt64 = 0
        if m < 4 * B {
            for i in 0..<m {
                let v = row[i]
                let b = Int(v)
                hist[Int(memberSlot[i]) &+ b] &+= 1
                if narrow { touched |= 1 &<< UInt64(v) } else { rowCount[b] &+= 1 }
                if partitioning { mover.put(v, left: Int(goes[i])) }
            }
        } else {
            // Many pixels: two copies of the counts, so neighbours falling in the same bin do not
            // wait on each other's increment; merged, with the bins' pixel counts.
            let odd = s.oddHist
            var i = 0
            while i &+ 1 < m {
                let v0 = row[i], v1 = row[i &+ 1]
                hist[Int(memberSlot[i]) &+ Int(v0)] &+= 1
                odd[Int(memberSlot[i &+ 1]) &+ Int(v1)] &+= 1
                if partitioning {
                    mover.put(v0, left: Int(goes[i]))
                    mover.put(v1, left: Int(goes[i &+ 1]))
                }
                i &+= 2
            }
            if i < m {
                let v = row[i]
                hist[Int(memberSlot[i]) &+ Int(v)] &+= 1
                if partitioning { mover.put(v, left: Int(goes[i])) }
            }
            for k in 0..<W {
                let a = hist + k * B, o = odd + k * B
                for j in 0..<B {
                    let v = a[j] &+ o[j]
                    a[j] = v
                    o[j] = 0
                    rowCount[j] &+= v
                }
            }
            if narrow {
                for j in 0..<B {
                    touched |= rowCount[j] != 0 ? 1 &<< UInt64(j) : 0
                    rowCount[j] = 0
                }
            }
        }
        if partitioning { mover.finish() }
        return touched
    }

    /// Scans one candidate's counted histogram for each counted side's best threshold, as
    /// `SplitSelection.best` would (empty bins skipped, stops once the right side is empty), then
    /// zeroes the bins that held pixels. With `narrow` (at most 64 bins) the bins that hold pixels
    /// are the bits of `touched`, visited in order, so a node of a few pixels costs a few bins.
    @inline(__always)
    static func scan(
        candidate c: Int, width W: Int, sides: UnsafeBufferPointer<Side?>, bins B: Int, narrow: Bool, touched: UInt64,
        scratch s: Scratch, table t: UnsafePointer<Double>, bests: inout Bests
    ) {
        let hist = s.hist, rowCount = s.rowCount, left = s.left
        // The bins a threshold can follow: all but the last.
        let thresholds = B < 64 ? touched & ((1 &<< UInt64(B - 1)) &- 1) : touched & ~(1 &<< 63)
        for k in 0..<sides.count {
            guard let side = sides[k] else { continue }
            let P = side.present
            for l in 0..<P { left[l] = 0 }
            var nl: UInt32 = 0
            var bits = thresholds
            var next = 0
            while true {
                let j: Int
                if narrow {
                    if bits == 0 { break }
                    j = bits.trailingZeroBitCount
                    bits &= bits &- 1
                } else {
                    if next == B - 1 { break }
                    j = next
                    next += 1
                    if rowCount[j] == 0 { continue }  // an empty bin: the split of the threshold before
                }
                let h = hist + side.offset * B + j
                var added: UInt32 = 0
                for l in 0..<P {
                    let v = h[l &* B]
                    left[l] &+= v
                    added &+= v
                }
                if added == 0 { continue }
                nl &+= added
                if nl == side.n { break }
                let g = SplitSelection.gain(
                    left: left, totals: s.totals + side.offset, present: P, nl: nl, n: side.n,
                    parentEntropy: side.parentEntropy, table: t)
                if g > bests.gain[k] {
                    bests.gain[k] = g
                    bests.choice[k] = SplitChoice(candidate: c, threshold: j, gain: g)
                }
            }
        }
        if narrow {
            var bits = touched
            while bits != 0 {
                let j = bits.trailingZeroBitCount
                for k in 0..<W { hist[k &* B &+ j] = 0 }
                bits &= bits &- 1
            }
        } else {
            for j in 0..<B where rowCount[j] != 0 {
                rowCount[j] = 0
                for k in 0..<W { hist[k &* B &+ j] = 0 }
            }
        }
    }

    /// Counts every candidate's row of `m` bins at `bins + lo` (rows `stride` apart) by the
    /// layout and scans each for the counted sides' best splits; with `partitioning`, also moves
    /// each row's bins to their sides by `scratch.goesLeft`.
    @inline(__always)
    static func choose(
        layout: Layout, bins: UnsafeMutablePointer<UInt8>, lo: Int, count m: Int, stride: Int, candidates C: Int, binCount B: Int,
        partitioning: Bool, scratch s: Scratch
    ) -> [SplitChoice?] {
        var bests = Bests(sides: layout.sides.count)
        @inline(__always) func pass(narrow: Bool, sides: UnsafeBufferPointer<Side?>, table: UnsafePointer<Double>) {
            for c in 0..<C {
                let touched = count(
                    bins + c * stride + lo, count: m, width: layout.width, bins: B, partitioning: partitioning, narrow: narrow, scratch: s)
                scan(
                    candidate: c, width: layout.width, sides: sides, bins: B, narrow: narrow, touched: touched, scratch: s,
                    table: table, bests: &bests)
            }
        }
        SplitSelection.xlogxTable.withUnsafeBufferPointer { table in
            layout.sides.withUnsafeBufferPointer { sides in
                if B <= 64 {
                    pass(narrow: true, sides: sides, table: table.baseAddress!)
                } else {
                    pass(narrow: false, sides: sides, table: table.baseAddress!)
                }
            }
        }
        return bests.choice
    }

    /// Moves every candidate's bins of the task's node to its children's halves (by
    /// `scratch.goesLeft`) and, in the same pass, counts each child of `sides` that is given
    /// (left, right) and finds its best split.
    static func splitAndChoose(_ task: Task, sides: [SplitSelection.NodeTotals?], scratch s: Scratch) -> [SplitChoice?] {
        let t = task.subtree
        let m = task.hi - task.lo
        guard sides.contains(where: { $0 != nil }) else {
            for c in 0..<t.C { partition(t.bins + c * t.n + task.lo, count: m, scratch: s) }
            return [nil, nil]
        }
        let goes = s.goesLeft
        let layout = Layout(sides, labels: t.label + task.lo, count: m, bins: t.B, side: { goes[$0] != 0 ? 0 : 1 }, scratch: s)
        return choose(
            layout: layout, bins: t.bins, lo: task.lo, count: m, stride: t.n, candidates: t.C, binCount: t.B, partitioning: true,
            scratch: s)
    }

    /// The best split of the node whose pixels sit at positions lo..<hi, as `SplitSelection.best` would choose it from
    /// the node's dense histogram.
    static func best(
        _ node: SplitSelection.NodeTotals, lo: Int, hi: Int, bins: UnsafeMutablePointer<UInt8>,
        label: UnsafePointer<UInt8>, stride: Int, candidates: Int, binCount B: Int,
        scratch s: Scratch
    ) -> SplitChoice? {
        let m = hi - lo
        let layout = Layout([node], labels: label + lo, count: m, bins: B, side: { _ in 0 }, scratch: s)
        return choose(
            layout: layout, bins: bins, lo: lo, count: m, stride: stride, candidates: candidates, binCount: B, partitioning: false,
            scratch: s)[0]
    }

    /// One thread's buffers, for nodes of up to `pixels` pixels.
    public struct Scratch {
        let labels: Int
        let goesLeft, spill: UnsafeMutablePointer<UInt8>
        /// Each position's counter, and each (side, label)'s counter.
        let memberSlot, slot: UnsafeMutablePointer<UInt32>
        let hist, oddHist, rowCount, left, totals: UnsafeMutablePointer<UInt32>

        public init(pixels n: Int, bins B: Int, labels L: Int) {
            labels = L
            let width = 2 * L + 1
            goesLeft = .allocate(capacity: n)
            spill = .allocate(capacity: n)
            memberSlot = .allocate(capacity: n)
            slot = .allocate(capacity: 2 * L)
            hist = .allocate(capacity: B * width)
            hist.initialize(repeating: 0, count: B * width)
            oddHist = .allocate(capacity: B * width)
            oddHist.initialize(repeating: 0, count: B * width)
            rowCount = .allocate(capacity: B)
            rowCount.initialize(repeating: 0, count: B)
            left = .allocate(capacity: L)
            totals = .allocate(capacity: width)
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
