import Foundation

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
