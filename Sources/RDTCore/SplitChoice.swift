import Foundation

/// The best split of a node: candidate index, threshold index and information gain in bits.
public struct SplitChoice: Equatable, Sendable {
    public var candidate: Int
    public var threshold: Int
    public var gain: Double

    public init(candidate: Int, threshold: Int, gain: Double) {
        self.candidate = candidate
        self.threshold = threshold
        self.gain = gain
    }
}
