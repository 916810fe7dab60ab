/// Which worker holds which frames: ranges of the job's frames (in shard order, so a range reads
/// a shard's frames in sequence through its footer index), balanced to within one frame over the
/// live workers, so N workers are all busy for any N up to the frame count.
///
/// A rebalance moves as little as it can: a worker keeps what it holds up to its share, gives up
/// only the tail beyond it, and takes only what it lacks, from the lowest free frames. Frames of a
/// lost worker are free. Deterministic: the same plan and live workers (in the same order) give
/// the same new plan.
struct FramePlan<Worker: Hashable> {
    /// Frames in the job.
    let frameCount: Int
    /// Each worker's ranges, ascending, adjacent ones merged.
    private(set) var held: [Worker: [Range<Int>]] = [:]

    init(frames: Int) {
        frameCount = frames
    }

    /// The frames `worker` holds, as ascending ranges.
    func ranges(of worker: Worker) -> [Range<Int>] { held[worker] ?? [] }

    /// How many frames `worker` holds.
    func load(of worker: Worker) -> Int { ranges(of: worker).reduce(0) { $0 + $1.count } }

    /// The share of the `index`th of `count` live workers: the frames divided evenly, the first
    /// ones taking one more where they do not divide.
    func share(_ index: Int, of count: Int) -> Int {
        frameCount / count + (index < frameCount % count ? 1 : 0)
    }

    /// Re-plans for the `live` workers (in a fixed order); returns those whose frames changed.
    mutating func rebalance(live: [Worker]) -> Set<Worker> {
        guard !live.isEmpty else { return [] }
        let before = held
        let liveSet = Set(live)
        held = held.filter { liveSet.contains($0.key) }
        // Each live worker keeps its frames up to its share; the tail beyond it is freed.
        for (i, w) in live.enumerated() {
            var ranges = held[w] ?? []
            var excess = ranges.reduce(0) { $0 + $1.count } - share(i, of: live.count)
            while excess > 0, let last = ranges.last {
                if last.count <= excess {
                    ranges.removeLast()
                    excess -= last.count
                } else {
                    ranges[ranges.count - 1] = last.lowerBound..<(last.upperBound - excess)
                    excess = 0
                }
            }
            held[w] = ranges
        }
        // Free frames: the gaps between the ranges still held.
        var free: [Range<Int>] = []
        var next = 0
        for r in held.values.flatMap({ $0 }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > next { free.append(next..<r.lowerBound) }
            next = max(next, r.upperBound)
        }
        if next < frameCount { free.append(next..<frameCount) }
        // Each worker below its share takes what it lacks from the lowest free frames.
        var f = 0
        for (i, w) in live.enumerated() {
            var need = share(i, of: live.count) - load(of: w)
            var ranges = held[w] ?? []
            while need > 0, f < free.count {
                let r = free[f]
                let take = min(need, r.count)
                ranges.append(r.lowerBound..<(r.lowerBound + take))
                need -= take
                if take == r.count { f += 1 } else { free[f] = (r.lowerBound + take)..<r.upperBound }
            }
            held[w] = Self.merged(ranges)
        }
        held = held.filter { !$0.value.isEmpty }
        return Set(live.filter { (before[$0] ?? []) != (held[$0] ?? []) })
    }

    /// Ranges sorted, adjacent and overlapping ones joined.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !r.isEmpty {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
