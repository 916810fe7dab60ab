import Dataset
import Foundation
import RDTCore

/// Which (tree, index position) pairs use each frame: tree t's index lists frame ids, and the frame at
/// position p gets the pixel samples seeded by (seed, t, p).
public struct FrameUses: Sendable {
    public private(set) var uses: [UInt64: [(tree: Int, position: Int)]] = [:]

    public init(indexes: [[UInt64]]) {
        for (tree, ids) in indexes.enumerated() {
            for (position, id) in ids.enumerated() { uses[id, default: []].append((tree, position)) }
        }
    }

    /// Uses as a worker receives them from the coordinator.
    public init(uses: [UInt64: [(tree: Int, position: Int)]]) { self.uses = uses }

    /// Distinct frame ids in ascending order.
    public var frames: [UInt64] { uses.keys.sorted() }
}
