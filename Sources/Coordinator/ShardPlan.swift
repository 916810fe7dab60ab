/// Which worker holds which shard: balanced by frame count, and changed as little as possible
/// when workers leave (their shards go to the least loaded) or join (shards move to them while
/// that lowers the largest load). Deterministic for the same inputs.
struct ShardPlan<Worker: Hashable> {
    /// Frames per shard.
    let sizes: [String: Int]
    private(set) var owner: [String: Worker] = [:]

    init(sizes: [String: Int]) {
        self.sizes = sizes
    }

    /// The shards `worker` holds, by name.
    func shards(of worker: Worker) -> [String] { owner.keys.filter { owner[$0] == worker }.sorted() }

    /// Frames held by each of `workers`.
    func loads(_ workers: [Worker]) -> [Int] {
        workers.map { w in owner.reduce(0) { $0 + ($1.value == w ? sizes[$1.key] ?? 0 : 0) } }
    }

    /// Re-plans for the `live` workers (in a fixed order); returns those whose shards changed.
    mutating func rebalance(live: [Worker]) -> Set<Worker> {
        guard !live.isEmpty else { return [] }
        var changed = Set<Worker>()
        let liveSet = Set(live)
        var load = loads(live)
        func lightest() -> Int { load.indices.min { (load[$0], $0) < (load[$1], $1) }! }
        // Shards without a live owner, largest first, each to the lightest worker.
        let orphans = sizes.keys.filter { owner[$0].map { !liveSet.contains($0) } ?? true }
            .sorted { (sizes[$0]!, $1) > (sizes[$1]!, $0) }
        for shard in orphans {
            let w = lightest()
            owner[shard] = live[w]
            load[w] += sizes[shard]!
            changed.insert(live[w])
        }
        // A worker with nothing (it joined) takes shards from the heaviest while that helps.
        guard load.contains(0) else { return changed }
        while true {
            let heavy = load.indices.max { (load[$0], $1) < (load[$1], $0) }!
            let light = lightest()
            let movable = shards(of: live[heavy]).filter { load[light] + sizes[$0]! < load[heavy] }
            guard let shard = movable.max(by: { (sizes[$0]!, $1) < (sizes[$1]!, $0) }) else { break }
            owner[shard] = live[light]
            load[heavy] -= sizes[shard]!
            load[light] += sizes[shard]!
            changed.insert(live[heavy])
            changed.insert(live[light])
        }
        return changed
    }
}
