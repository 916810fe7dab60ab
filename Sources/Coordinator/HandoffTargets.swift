import Foundation
import RDTCore

/// Which worker grows which small subtree: the largest first, each to the worker with the fewest
/// pixels so far (ties: the earlier root, the earlier worker), so the workers finish together.
/// Any assignment grows the same trees; this one only balances the time.
enum HandoffTargets {
    /// For each root (by its pixel count in `sizes`), the index of its worker among `workers` of them.
    static func assign(sizes: [Int], workers: Int) -> [Int] {
        guard workers > 0 else { return [] }
        var load = [Int](repeating: 0, count: workers)
        var target = [Int](repeating: 0, count: sizes.count)
        for root in SmallSubtree.largestFirst(sizes) {
            let w = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 } ?? 0
            target[root] = w
            load[w] += sizes[root]
        }
        return target
    }
}
