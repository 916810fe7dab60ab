import Foundation

/// CPU time of this process (all threads) and of the calling thread, in seconds.
public enum CPUClock {
    public static var process: Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public static var thread: Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Where one level's work went, in CPU seconds summed over threads: counting dense histograms,
/// choosing splits from them, and growing small subtrees (their bins, attributed to the subtree
/// root's level, and each node's evaluation, attributed to the node's level).
public struct LevelCost: Equatable, Sendable {
    public var countingCPU = 0.0
    public var choiceCPU = 0.0
    public var smallBinsCPU = 0.0
    public var smallNodesCPU = 0.0
    public var smallNodes = 0

    public init() {}

    public var totalCPU: Double { countingCPU + choiceCPU + smallBinsCPU + smallNodesCPU }

    public mutating func add(_ o: LevelCost) {
        countingCPU += o.countingCPU
        choiceCPU += o.choiceCPU
        smallBinsCPU += o.smallBinsCPU
        smallNodesCPU += o.smallNodesCPU
        smallNodes += o.smallNodes
    }
}

/// Small subtrees grown at one level: the evaluations, their cost by the level of the nodes, and
/// the dense histograms of the roots that were asked for them.
public struct SmallSubtreeGrowth: Sendable {
    public var evaluations: [(NodeKey, NodeEvaluation)] = []
    public var costs: [Int: LevelCost] = [:]
    /// Dense histograms of the roots asked for (`denseFor`).
    public var dense: [NodeKey: [UInt32]] = [:]

    public init() {}
}
