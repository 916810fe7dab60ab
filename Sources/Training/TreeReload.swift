import Foundation
import RDTCore

/// glimpse's `reload`: trees trained earlier, continued deeper. The deepest level of the reloaded
/// trees is opened again (its leaves are leaves only because the old depth ended there) and growth
/// goes on from it; every other node stays as it was. Decisions are pure functions of the pixels,
/// so a tree continued from depth d to D is the tree trained to D directly.
public enum TreeReload {
    /// The growth state continuing `job`'s trees from their reload files, from `initial` (the
    /// state at the roots).
    public static func state(job: TrainingJob, initial: GrowthState) throws -> (state: GrowthState, history: [[JSON]]) {
        var state = initial
        var history: [[JSON]] = []
        var depth: Int?
        for t in 0..<job.trees {
            guard let path = job.reloadPath(tree: t) else { return (initial, []) }
            let old = try TreeFile.load(path)
            func bad(_ problem: String) -> TreeFileError { .invalid(path: path, problem: problem + " (job \(job.name)'s reload)") }
            guard old.labelCount == initial.trees[t].labelCount else {
                throw bad("it has \(old.labelCount) labels, the dataset \(initial.trees[t].labelCount)")
            }
            guard old.depth < initial.trees[t].depth else {
                throw bad("it is \(old.depth) levels deep already; set max_depth above \(old.depth) to continue it")
            }
            guard depth == nil || depth == old.depth else {
                throw bad("its depth \(old.depth) differs from the other reloaded trees' \(depth ?? 0)")
            }
            depth = old.depth
            let last = old.depth - 1
            for (i, node) in old.nodes.enumerated() {
                let level = Int(log2(Double(i + 1)))
                let parentSplits: Bool = {
                    guard i > 0, case .split = old.nodes[(i - 1) / 2] else { return i == 0 }
                    return true
                }()
                if node == .untrained && parentSplits {
                    throw bad("node \(i) was never trained; continue an unfinished run from its checkpoint instead")
                }
                if level == last, case .leaf = node {
                    state.open[NodeKey(tree: t, node: i)] = .some(nil)
                } else {
                    state.trees[t].nodes[i] = node
                }
            }
            state.open[NodeKey(tree: t, node: 0)] = last == 0 ? .some(nil) : nil
            history.append(old.history)
        }
        state.level = (depth ?? 1) - 1
        return (state, history)
    }
}
