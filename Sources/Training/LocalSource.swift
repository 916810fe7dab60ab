import Dataset
import Foundation
import RDTCore

/// Training in this process alone: a job's frames loaded into `LocalTrainingData`, the reference
/// the cluster must match byte for byte.
public final class LocalSource: TrainingSource {
    public let data: LocalTrainingData
    /// Whether the pixels still sit in the roots (nothing routed yet).
    private var atRoots = true

    /// Loads the job's frames with `threads` kernel threads; `smallNodeMemory` bytes of
    /// precomputed bins per thread for small subtrees (0: every node from dense histograms).
    public init(setup: JobSetup, threads: Int, smallNodeMemory: Int = LocalTrainingData.defaultSmallNodeMemory) throws {
        data = LocalTrainingData(
            parameters: setup.parameters, candidates: setup.candidates, labelCount: setup.labelCount,
            kernel: HistogramKernel(threads: threads), smallNodeMemory: smallNodeMemory)
        try TrainingSetLoader.load(manifest: setup.manifest, frames: setup.uses.frames, uses: setup.uses, into: data)
        guard data.sampleCount > 0 else { throw TrainingDataError.noPixels }
    }

    /// A resumed job's pixels are routed through its partial trees once; later levels route them
    /// as they decide (`apply`).
    public func prepare(_ trees: [DecisionTree]) throws {
        guard atRoots else { return }
        atRoots = false
        try data.apply(
            trees.enumerated().flatMap { t, tree in
                tree.decisions.map { (NodeKey(tree: t, node: $0.node), $0.decision) }
            })
    }

    public func reset() {}
    public var clusterFigures: TrainingReport.Cluster? { nil }

    public func histograms(for nodes: [NodeKey]) throws -> [[UInt32]] { try data.histograms(for: nodes) }
    public func apply(_ decisions: [(NodeKey, NodeDecision)]) throws { try data.apply(decisions) }
    public var smallNodePixels: Int { data.smallNodePixels }
    public func growSmallSubtrees(_ roots: [NodeKey], sizes: [Int], level: Int, rules: StoppingRules, denseFor: Set<NodeKey>) throws
        -> SmallSubtreeGrowth
    {
        try data.growSmallSubtrees(roots, sizes: sizes, level: level, rules: rules, denseFor: denseFor)
    }
}
